# edo::fs (the file system on the blocking pool), compiled into the edo library: the path
# functions, edo::fs::file and open_options, read_dir. Included by src/CMakeLists.txt.
set(EDO_FS_SOURCES
  fs/dir.cpp
  fs/file.cpp
  fs/ops.cpp
)
