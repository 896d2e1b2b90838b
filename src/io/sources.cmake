# The I/O driver and the resources built on it (edo::net, edo::io, edo::signal,
# edo::process), compiled into the edo library. One backend file per OS facility: epoll
# today (io_uring would be chosen here).
set(EDO_IO_SOURCES
  io/api.cpp
  io/driver.cpp
  io/source.cpp
  io/sys/epoll.cpp
  io/io/duplex.cpp
  io/io/error.cpp
  io/net/lookup.cpp
  io/net/socket_address.cpp
  io/net/split.cpp
  io/net/tcp.cpp
  io/net/udp.cpp
  io/net/unix.cpp
  io/process/process.cpp
  io/signal/signal.cpp
)
