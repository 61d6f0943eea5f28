#include "ikgen/atomic_write.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace ikgen {
namespace {

std::string temp_name_for(const std::filesystem::path& path) {
  static std::atomic<unsigned long> counter{0};
  return std::string(k_temp_prefix) + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
         path.filename().string();
}

} // namespace

std::string write_file_atomically(const std::filesystem::path& path, std::span<const unsigned char> bytes) {
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  if (error) return "cannot create directory " + path.parent_path().string() + ": " + error.message();

  const std::filesystem::path temp = path.parent_path() / temp_name_for(path);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return "cannot create " + temp.string() + ": " + std::strerror(errno);

  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string reason = std::strerror(n < 0 ? errno : ENOSPC);
      ::close(fd);
      ::unlink(temp.c_str());
      return "cannot write " + path.string() + ": " + reason;
    }
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temp.c_str());
    return "cannot write " + path.string() + ": " + reason;
  }
  // rename() is atomic within a directory: readers see the old state or the whole new file.
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temp.c_str());
    return "cannot rename into " + path.string() + ": " + reason;
  }
  return {};
}

} // namespace ikgen
