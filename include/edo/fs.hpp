// edo::fs — the file system on the blocking pool, as Tokio's tokio::fs: whole-file helpers,
// directories, links, metadata, plus edo::fs::file (<edo/fs/file.hpp>) and read_dir
// (<edo/fs/dir.hpp>).
//
//   std::string cfg = co_await edo::fs::read_to_string("app.toml");
//   co_await edo::fs::create_dir_all("out/logs");
//   co_await edo::fs::write("out/logs/run.txt", "started\n");
//   std::uint64_t n = co_await edo::fs::copy("a.bin", "b.bin");
//
// Why the blocking pool: Linux has no readiness for regular files (epoll refuses them and a
// read of a cold page blocks), so each call here is one edo::spawn_blocking job running the
// ordinary system calls, and the awaiting task's worker keeps running other tasks. Each
// function copies or moves its arguments (paths, the bytes to write) into the job when it
// is called, so a temporary argument is safe even if the task is awaited later. The tasks
// are lazy: the job is submitted when the task is first awaited.
//
// Errors throw std::system_error with the errno (generic_category: compare with
// std::errc::no_such_file_or_directory or read code().value() == ENOENT) and the operation
// and path(s) in what(), e.g. `edo::fs::read "/etc/nope": No such file or directory`. A
// job the runtime refused during shutdown throws std::system_error(ECANCELED). No runtime:
// edo::no_runtime.
//
// Call these qualified (edo::fs::copy(a, b), or through `namespace fs = edo::fs;`): with
// std::filesystem::path arguments, an unqualified copy, rename or exists also finds
// std::filesystem's functions of those names by argument-dependent lookup (ambiguous).
//
// Cancellation (for every function here): a cancelled await of a job that already started
// does not stop it — it runs to its end on the pool and its result is dropped (a file it
// opened is closed, memory freed, nothing reported). So the effect of a cancelled write,
// copy, rename, create or remove may or may not have happened, and may still happen after
// the cancellation returned; the reading functions (read, metadata, exists, ...) are cancel
// safe in the sense that nothing changes. A job that had not started when its await was
// cancelled still runs: the await only detaches from it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <edo/detail/config.hpp>
#include <edo/fs/dir.hpp>
#include <edo/fs/file.hpp>
#include <edo/fs/metadata.hpp>
#include <edo/task.hpp>

namespace edo::fs {

// The whole file (read until EOF; the size from fstat only sizes the first allocation).
[[nodiscard]] EDO_API task<std::vector<std::byte>> read(std::filesystem::path path);
// The whole file as bytes in a std::string (not validated as UTF-8).
[[nodiscard]] EDO_API task<std::string> read_to_string(std::filesystem::path path);

// Creates or truncates `path` (mode 0666 before the umask) and writes all of `data`. The
// bytes are copied when write is called; the vector overload takes them over instead.
[[nodiscard]] EDO_API task<void> write(std::filesystem::path path, std::span<const std::byte> data);
[[nodiscard]] EDO_API task<void> write(std::filesystem::path path, std::string_view data);
[[nodiscard]] EDO_API task<void> write(std::filesystem::path path, std::vector<std::byte>&& data);

// mkdir(2), mode 0777 before the umask: EEXIST if `path` exists, ENOENT if its parent
// does not.
[[nodiscard]] EDO_API task<void> create_dir(std::filesystem::path path);
// Creates `path` and any missing parents; nothing to do if it is a directory already;
// an error if it (or a parent) exists as something else.
[[nodiscard]] EDO_API task<void> create_dir_all(std::filesystem::path path);
// unlink(2): removes a file or a symlink (not a directory: EISDIR).
[[nodiscard]] EDO_API task<void> remove_file(std::filesystem::path path);
// rmdir(2): removes an empty directory (ENOTEMPTY otherwise).
[[nodiscard]] EDO_API task<void> remove_dir(std::filesystem::path path);
// Removes a directory and everything in it, without following symlinks (a symlink at
// `path` is removed itself). ENOENT if `path` does not exist, ENOTDIR if it is a file.
[[nodiscard]] EDO_API task<void> remove_dir_all(std::filesystem::path path);
// rename(2): replaces `to` if it exists (a file by a file, an empty directory by a
// directory); both on one file system (EXDEV otherwise).
[[nodiscard]] EDO_API task<void> rename(std::filesystem::path from, std::filesystem::path to);
// Copies the contents and permission bits of the regular file `from` to `to` (created or
// truncated) and returns the bytes copied (copy_file_range, else read/write). EINVAL if
// `from` is not a regular file or `to` is the same file.
[[nodiscard]] EDO_API task<std::uint64_t> copy(std::filesystem::path from,
                                               std::filesystem::path to);
// hard link `link` to the file `original`.
[[nodiscard]] EDO_API task<void> hard_link(std::filesystem::path original,
                                           std::filesystem::path link);
// A symlink at `link` whose target is `target` (stored as given, not checked).
[[nodiscard]] EDO_API task<void> symlink(std::filesystem::path target, std::filesystem::path link);
// The target stored in the symlink `path` (EINVAL if it is not a symlink).
[[nodiscard]] EDO_API task<std::filesystem::path> read_link(std::filesystem::path path);

// stat(2), following symlinks.
[[nodiscard]] EDO_API task<file_metadata> metadata(std::filesystem::path path);
// lstat(2): a symlink describes itself.
[[nodiscard]] EDO_API task<file_metadata> symlink_metadata(std::filesystem::path path);
// chmod(2) with the permission bits of `p`.
[[nodiscard]] EDO_API task<void> set_permissions(std::filesystem::path path,
                                                 std::filesystem::perms p);
// The absolute path with every symlink, "." and ".." resolved (realpath(3)); the file must
// exist.
[[nodiscard]] EDO_API task<std::filesystem::path> canonicalize(std::filesystem::path path);

// Whether `path` exists (following symlinks: a dangling one does not): false for ENOENT,
// and throws any other error (EACCES, ENOTDIR, ...), as Rust's try_exists.
[[nodiscard]] EDO_API task<bool> try_exists(std::filesystem::path path);
// As try_exists, but false for any error (never throws a system_error).
[[nodiscard]] EDO_API task<bool> exists(std::filesystem::path path);

}  // namespace edo::fs
