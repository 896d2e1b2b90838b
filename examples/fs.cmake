# edo::fs examples. Included by CMakeLists.txt, which defines edo_example(). The output is
# deterministic: the example generates its own source bytes.
edo_example(fs_copy SOURCES fs_copy.cpp
  EXPECT "(^|\n)source: 3145728 bytes, fnv1a64 06c6dbaba330634a\n"
         "(^|\n)copied: 3145728 bytes, fnv1a64 06c6dbaba330634a\n"
         "(^|\n)edo::fs::copy: 3145728 bytes, identical\n")
