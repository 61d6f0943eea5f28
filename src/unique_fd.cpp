#include "ikgen/unique_fd.hpp"

#include <unistd.h>

namespace ikgen {

void UniqueFd::reset(int fd) {
  // close() releases the descriptor even when it reports an error; retrying could close a
  // descriptor another thread has just been given.
  if (m_fd >= 0) ::close(m_fd);
  m_fd = fd;
}

} // namespace ikgen
