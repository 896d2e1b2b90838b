# The I/O examples: servers and clients that check themselves in one process (or with a
# child process), so they run deterministically under CTest. Included by CMakeLists.txt,
# which defines edo_example().
edo_example(echo_server SOURCES echo_server.cpp ARGS --self-test
  EXPECT "listening on 127.0.0.1"
         "client 0 got: hello from client 0\n"
         "client 1 got: hello from client 1\n"
         "client 2 got: hello from client 2\n"
         "server echoed 3 connections")

# The client starts the echo_server example as a child process on a free port.
edo_example(echo_client SOURCES echo_client.cpp ARGS --with-server $<TARGET_FILE:echo_server>
  EXPECT "server started"
         "echo: one\n"
         "echo: two\n"
         "echo: three\n"
         "server exited with 0")

edo_example(chat_server SOURCES chat_server.cpp ARGS --self-test
  EXPECT "chat server on 127.0.0.1"
         "alice <- welcome alice\n"
         "bob <- welcome bob\n"
         "carol <- welcome carol\n"
         "bob heard: alice: hello everyone\n"
         "carol heard: alice: hello everyone\n"
         "alice heard: bob: hi alice\n"
         "carol heard: bob: hi alice\n"
         "chat over: 3 sessions ended")

edo_example(process_pipe SOURCES process_pipe.cpp
  EXPECT "spawned tr"
         "1: ALPHA\n"
         "2: BETA\n"
         "3: GAMMA\n"
         "child exited with status 0")
