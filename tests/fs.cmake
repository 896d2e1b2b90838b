# edo::fs tests (the file system on the blocking pool): one executable per area. Included
# by tests/CMakeLists.txt.
edo_test(fs_ops SOURCES fs_ops.cpp TIMEOUT 60)
edo_test(fs_file SOURCES fs_file.cpp TIMEOUT 60)
edo_test(fs_dir SOURCES fs_dir.cpp TIMEOUT 60)
edo_test(fs_concurrent SOURCES fs_concurrent.cpp TIMEOUT 120)
