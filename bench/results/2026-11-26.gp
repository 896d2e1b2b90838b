# gnuplot script written by bench/report.py; run from the directory of the files.
set terminal svg size 1800,620 dynamic noenhanced font 'sans,12' background rgb 'white'
set output '2026-11-26.svg'
set title "Runtime benchmark 2026-11-26: ns/op relative to Tokio (same flavor); log scale, lower is better"
set datafile missing '?'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border rgb 'black'
set boxwidth 0.9
set logscale y
set yrange [0.1:100]
set ylabel 'ns/op ÷ Tokio ns/op'
set grid ytics mytics
set xtics rotate by 45 right nomirror scale 0
set bmargin 9
set key outside right top
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb 'gray30'
plot '2026-11-26.dat' using 2:xtic(1) title 'edo', '' using 3 title 'tokio', '' using 4 title 'smol', '' using 5 title 'async-std', '' using 6 title 'asio', '' using 7 title 'node'
