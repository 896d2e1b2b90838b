# The I/O driver and its resources: one executable per area.
edo_test(tcp_echo SOURCES tcp_echo.cpp TIMEOUT 60)
