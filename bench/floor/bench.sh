#!/bin/bash
# alternating runs: each round runs every variant once, order rotated per round
V=("${BIN:-.}/epoll_echo" "${BIN:-.}/epoll_echo -t pairs" "${BIN:-.}/epoll_echo -t mixed" "${BIN:-.}/epoll_echo -t split" "${BIN:-.}/epoll_echo -t accept" "${BIN:-.}/uring_echo" "${BIN:-.}/uring_echo -p" "${BIN:-.}/uring_echo -P" "${BIN:-.}/uring_echo -f" "${BIN:-.}/uring_echo -m" "${BIN:-.}/uring_echo -m -f")
R=${1:-9}
for r in $(seq 1 $R); do
  n=${#V[@]}
  for k in $(seq 0 $((n-1))); do
    i=$(( (k + r) % n ))
    ${V[$i]}
  done
done
