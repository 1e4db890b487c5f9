// blocking_threads.hpp — counts the threads libsupervise runs blocking
// runnables on (named "sv.blocking"), parked ones included.
#pragma once

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>

namespace test {

inline size_t blocking_threads() {
  size_t n = 0;
  for (auto& task : std::filesystem::directory_iterator{"/proc/self/task"}) {
    std::ifstream comm{task.path() / "comm"};
    std::string name;
    if (std::getline(comm, name) && name == "sv.blocking")
      ++n;
  }
  return n;
}

} // namespace test
