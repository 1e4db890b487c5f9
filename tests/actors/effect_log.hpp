// effect_log.hpp — reads the effects "effector" children (remote_types.hpp)
// append to a file, and checks that incarnations never overlap in time.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <stdlib.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

namespace test {

using namespace std::chrono_literals;

/// Effects of "effector" children: (epoch, CLOCK_MONOTONIC ns) lines.
struct effect_log {
  std::string path;

  effect_log() {
    char name[] = "/tmp/supervise-effects-XXXXXX";
    auto fd = mkstemp(name);
    BOOST_REQUIRE(fd >= 0);
    ::close(fd);
    path = name;
  }
  ~effect_log() { std::remove(path.c_str()); }

  std::map<uint64_t, std::vector<int64_t>> read() const {
    std::map<uint64_t, std::vector<int64_t>> out;
    std::ifstream in{path};
    uint64_t epoch;
    int64_t t;
    while (in >> epoch >> t)
      out[epoch].push_back(t);
    return out;
  }

  /// Waits (bounded, polling the file) until `epoch` has at least n effects.
  bool wait_effects(uint64_t epoch, size_t n, std::chrono::milliseconds bound = 10s) const {
    auto until = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < until) {
      if (read()[epoch].size() >= n)
        return true;
      std::this_thread::sleep_for(5ms); // ok-sleep: polling a file another process writes
    }
    return false;
  }

  /// Pairs of epochs whose effects interleave in time (none is the promise).
  std::vector<std::pair<uint64_t, uint64_t>> overlaps() const {
    std::vector<std::pair<uint64_t, uint64_t>> out;
    auto xs = read();
    for (auto a = xs.begin(); a != xs.end(); ++a)
      for (auto b = std::next(a); b != xs.end(); ++b)
        if (*std::max_element(a->second.begin(), a->second.end())
            >= *std::min_element(b->second.begin(), b->second.end()))
          out.emplace_back(a->first, b->first);
    return out;
  }
};

} // namespace test
