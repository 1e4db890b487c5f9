// actors_support.hpp — fixtures for the ready-made runnables: a log capture
// that waits on lines (never sleeps), /proc scans for zombies and leftover
// processes, free loopback ports, and actor systems with the middleman.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "supervise/log.hpp"
#include "supervise/tree.hpp"
#include "tree_support.hpp"

namespace test {

struct log_line {
  supervise::log_level level;
  std::string dn;
  std::string msg;
};

/// A thread-safe log sink that keeps every line and lets tests wait for one.
class log_capture {
public:
  supervise::log_sink sink() {
    return [this](supervise::log_level lvl, std::string_view dn, std::string_view msg) {
      std::lock_guard<std::mutex> guard{mtx_};
      lines_.push_back({lvl, std::string{dn}, std::string{msg}});
      if (on_line_)
        on_line_(lines_.back());
      cv_.notify_all();
    };
  }

  /// Called under the capture's lock for each line (set before the tree).
  void on_line(std::function<void(const log_line&)> f) { on_line_ = std::move(f); }

  /// The first line of `dn` containing `text`, waiting up to `bound`.
  std::optional<log_line> wait(const std::string& dn, const std::string& text,
                               std::chrono::milliseconds bound = 10s) {
    std::unique_lock<std::mutex> guard{mtx_};
    std::optional<log_line> found;
    cv_.wait_for(guard, bound, [&] {
      for (auto& l : lines_)
        if (l.dn == dn && l.msg.find(text) != std::string::npos) {
          found = l;
          return true;
        }
      return false;
    });
    return found;
  }

  size_t count(const std::string& dn, const std::string& text) {
    std::lock_guard<std::mutex> guard{mtx_};
    return static_cast<size_t>(std::count_if(lines_.begin(), lines_.end(), [&](auto& l) {
      return l.dn == dn && l.msg.find(text) != std::string::npos;
    }));
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<log_line> lines_;
  std::function<void(const log_line&)> on_line_;
};

/// State letter of /proc/<pid>/stat and its ppid; nullopt when gone.
inline std::optional<std::pair<char, pid_t>> proc_state(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string stat;
  if (!in || !std::getline(in, stat))
    return std::nullopt;
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 4 > stat.size())
    return std::nullopt;
  char state = stat[close + 2];
  pid_t ppid = static_cast<pid_t>(std::atol(stat.c_str() + close + 4));
  return std::make_pair(state, ppid);
}

/// Children of this process, by /proc scan: {zombies, live}.
inline std::pair<size_t, size_t> count_children() {
  size_t zombies = 0, live = 0;
  auto me = ::getpid();
  if (auto* dir = ::opendir("/proc")) {
    while (auto* e = ::readdir(dir)) {
      pid_t pid = static_cast<pid_t>(std::atol(e->d_name));
      if (pid <= 0)
        continue;
      auto st = proc_state(pid);
      if (!st || st->second != me)
        continue;
      if (st->first == 'Z')
        ++zombies;
      else
        ++live;
    }
    ::closedir(dir);
  }
  return {zombies, live};
}

/// True once `pid` no longer runs: gone, or a zombie that is not ours (a
/// reparented grandchild waiting for PID 1 to reap it is dead already).
/// Polls (every 10 ms) up to `bound`.
inline bool wait_gone(pid_t pid, std::chrono::milliseconds bound = 5s) {
  auto until = std::chrono::steady_clock::now() + bound;
  for (;;) {
    auto st = proc_state(pid);
    if (!st || (st->first == 'Z' && st->second != ::getpid()))
      return true;
    if (std::chrono::steady_clock::now() >= until)
      return false;
    std::this_thread::sleep_for(10ms); // ok-sleep: polling /proc, nothing to wait on
  }
}

/// A loopback port that was free a moment ago (bind 0, read, close).
inline uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// A listening socket on 127.0.0.1:<ephemeral> held for the test's life.
struct held_port {
  int fd = -1;
  uint16_t port = 0;
  held_port() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(fd, 1);
    socklen_t len = sizeof(addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~held_port() { ::close(fd); }
};

/// A real-time actor system with caf::io loaded.
struct net_config : caf::actor_system_config {
  net_config() {
    load<caf::io::middleman>();
    set("scheduler.max-threads", 2);
  }
};

/// A recorder and a log capture wired into tree options: quick, exact
/// backoff (20 ms, x1.5, cap 200 ms, no jitter).
struct recording {
  recorder rec;
  log_capture logs;

  supervise::tree_options options() {
    supervise::tree_options opts;
    opts.on_state = rec.hook();
    opts.sink = logs.sink();
    opts.seed = 42;
    opts.backoff.initial = 20ms;
    opts.backoff.max_interval = 200ms;
    opts.backoff.jitter = 0;
    return opts;
  }
};

/// Real time, a recorder and a log capture wired into tree options.
struct actors_fixture : recording {
  real_config cfg;
  caf::actor_system sys{cfg};
};

/// Two middleman-enabled systems: a server side and a client side.
struct net_fixture : recording {
  net_config server_cfg;
  caf::actor_system server_sys{server_cfg};
  net_config client_cfg;
  caf::actor_system client_sys{client_cfg};
};

/// A root that runs one child `name` and is done.
inline supervise::runnable one_child(std::string name, supervise::runnable child) {
  return [name, child](caf::event_based_actor*, supervise::context& ctx) -> caf::behavior {
    supervise::run(ctx, name, child);
    supervise::signal(ctx, supervise::signal_type::healthy);
    supervise::signal(ctx, supervise::signal_type::done);
    return {};
  };
}

/// An actor that doubles integers.
inline caf::actor make_doubler(caf::actor_system& sys) {
  // The factor is a spawn argument: CAF 0.17 dereferences a null argument
  // tuple when a function is spawned without arguments (UBSan).
  return sys.spawn([](int factor) -> caf::behavior { return {[=](int x) { return factor * x; }}; },
                   2);
}

/// Asks `who` to double 21 from `sys` (blocking, bounded); the answer or -1.
inline int ask(caf::actor_system& sys, const caf::actor& who) {
  caf::scoped_actor self{sys};
  int out = -1;
  self->request(who, 5s, 21).receive([&](int y) { out = y; }, [&](caf::error&) { out = -1; });
  return out;
}

} // namespace test
