// command.cpp — posix_spawn in a fresh process group, a poll() loop over the
// output pipes and a pidfd, and a stop sequence SIGTERM -> grace -> SIGKILL.
// The `child` guard owns the pid and the fds: whatever way the runnable
// leaves (return or exception), the group gets SIGKILL and the leader is
// reaped before the guard is gone.
#include "supervise/actors/command.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <optional>
#include <set>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "supervise/actors/errc.hpp"
#include "supervise/context.hpp"
#include "supervise/errc.hpp"

extern char** environ;

namespace supervise::actors {

// -- command_control ------------------------------------------------------------

caf::error command_control::signal(int sig, bool whole_group) {
  if (sig <= 0 || sig >= NSIG)
    return supervise::make_error(errc::invalid_option,
                                 fmt::format("command_control::signal: bad signal {}", sig));
  std::lock_guard<std::mutex> guard{mtx_};
  if (pid_ <= 0)
    return make_error(actors_errc::not_running, "no program is running");
  if (::kill(whole_group ? -pid_ : pid_, sig) != 0)
    return make_error(actors_errc::not_running,
                      fmt::format("kill({}, {}): {}", whole_group ? -pid_ : pid_, sig,
                                  std::strerror(errno)));
  return {};
}

pid_t command_control::pid() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return pid_;
}

uint64_t command_control::starts() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return starts_;
}

void command_control::attach(pid_t pid) {
  std::lock_guard<std::mutex> guard{mtx_};
  pid_ = pid;
  ++starts_;
}

void command_control::detach() {
  std::lock_guard<std::mutex> guard{mtx_};
  pid_ = 0;
}

// -- validation -------------------------------------------------------------------

caf::error validate(const command_options& opts) {
  name_category();
  auto bad = [](std::string what) {
    return supervise::make_error(errc::invalid_option, "command: " + std::move(what));
  };
  if (opts.argv.empty())
    return bad("argv is empty");
  if (opts.argv[0].empty())
    return bad("argv[0] (the executable) is empty");
  if (opts.grace.count() <= 0)
    return bad(fmt::format("grace must be > 0, got {} ns", opts.grace.count()));
  if (opts.max_line == 0)
    return bad("max_line must be > 0, got 0");
  if (opts.drain.count() < 0)
    return bad(fmt::format("drain must be >= 0, got {} ns", opts.drain.count()));
  for (auto& [key, value] : opts.env)
    if (key.empty() || key.find('=') != std::string::npos)
      return bad(fmt::format("bad environment key \"{}\"", key));
  for (auto& key : opts.unset_env)
    if (key.empty() || key.find('=') != std::string::npos)
      return bad(fmt::format("bad environment key to unset \"{}\"", key));
  return {};
}

namespace {

using clock_type = std::chrono::steady_clock;

std::string signal_name(int sig) {
  if (auto abbrev = ::sigabbrev_np(sig))
    return std::string{"SIG"} + abbrev;
  return fmt::format("signal {}", sig);
}

void close_fd(int& fd) {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

// The running program: pid, pidfd and the read ends of its pipes.
struct child {
  pid_t pid = -1;
  int pidfd = -1;
  int out = -1;
  int err = -1;
  bool exited = false; // the leader has exited (seen with WNOWAIT, not reaped)
  bool reaped = false;
  int status = 0;
  std::shared_ptr<command_control> control;

  child() = default;
  child(const child&) = delete;
  child& operator=(const child&) = delete;

  // Teardown on any path: kill the group, reap the leader, close the fds.
  ~child() {
    if (pid > 0 && !reaped) {
      if (control)
        control->detach();
      ::kill(-pid, SIGKILL);
      reap();
    }
    close_fd(pidfd);
    close_fd(out);
    close_fd(err);
  }

  // True once the leader has exited; it stays a zombie until reap().
  bool poll_exit() {
    if (exited)
      return true;
    siginfo_t info;
    std::memset(&info, 0, sizeof(info));
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0
        && info.si_pid == pid)
      exited = true;
    return exited;
  }

  // Blocking waitpid on the leader's pid only (never -1).
  void reap() {
    if (reaped)
      return;
    int st = 0;
    pid_t r;
    do
      r = ::waitpid(pid, &st, 0);
    while (r < 0 && errno == EINTR);
    reaped = true;
    status = st;
  }

  // The leader has exited: forget the pid, kill what is left of the group
  // (the pgid cannot be reused while the leader is an unreaped zombie), reap.
  void finish() {
    if (control)
      control->detach();
    ::kill(-pid, SIGKILL);
    reap();
  }
};

// Splits a byte stream into lines, cutting long ones.
struct line_splitter {
  explicit line_splitter(size_t max_line) : max(max_line) {}
  size_t max;
  std::string buf;
  bool cutting = false;

  template <class Emit>
  void feed(const char* p, size_t n, Emit& emit) {
    const char* end = p + n;
    while (p < end) {
      auto nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
      auto stop = nl ? nl : end;
      if (!cutting) {
        buf.append(p, stop);
        if (buf.size() > max) {
          buf.resize(max);
          emit(fmt::format("{} [line cut at {} bytes]", buf, max));
          buf.clear();
          cutting = true;
        }
      }
      if (nl) {
        if (!cutting)
          emit(buf);
        buf.clear();
        cutting = false;
        p = nl + 1;
      } else {
        p = end;
      }
    }
  }

  template <class Emit>
  void flush(Emit& emit) {
    if (!buf.empty() && !cutting)
      emit(buf);
    buf.clear();
    cutting = false;
  }
};

std::vector<std::string> make_env(const command_options& opts) {
  std::vector<std::string> out;
  std::set<std::string> skip{opts.unset_env.begin(), opts.unset_env.end()};
  for (auto& [key, value] : opts.env)
    skip.insert(key);
  if (!opts.clear_env && environ != nullptr) {
    for (char** e = environ; *e != nullptr; ++e) {
      std::string entry{*e};
      auto eq = entry.find('=');
      if (skip.count(entry.substr(0, eq)) == 0)
        out.push_back(std::move(entry));
    }
  }
  for (auto& [key, value] : opts.env)
    out.push_back(key + "=" + value);
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& xs) {
  std::vector<char*> out;
  for (auto& x : xs)
    out.push_back(x.data());
  out.push_back(nullptr);
  return out;
}

// Starts the program in its own process group; fills `c` or returns why not.
caf::error spawn(const command_options& opts, child& c) {
  int out_pipe[2] = {-1, -1};
  int err_pipe[2] = {-1, -1};
  auto fail = [&](const char* what, int code) {
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
      if (fd >= 0)
        ::close(fd);
    return make_error(actors_errc::spawn_failed,
                      fmt::format("{}: {}: {}", opts.argv[0], what, std::strerror(code)));
  };
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)
    return fail("pipe2", errno);
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  if (!opts.working_dir.empty())
    posix_spawn_file_actions_addchdir_np(&fa, opts.working_dir.c_str());
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  posix_spawnattr_setsigmask(&attr, &none);  // CAF threads may block signals
  posix_spawnattr_setsigdefault(&attr, &all); // and ignore SIGPIPE
  posix_spawnattr_setpgroup(&attr, 0);        // own group: pgid = pid
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK
                                    | POSIX_SPAWN_SETSIGDEF);
  auto args = opts.argv;
  auto argv = c_strings(args);
  auto env = make_env(opts);
  auto envp = c_strings(env);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, opts.argv[0].c_str(), &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0)
    return fail("posix_spawn", rc);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  c.pid = pid;
  c.out = out_pipe[0];
  c.err = err_pipe[0];
  for (int fd : {c.out, c.err})
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
#ifdef SYS_pidfd_open
  c.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (c.pidfd >= 0)
    ::fcntl(c.pidfd, F_SETFD, FD_CLOEXEC);
#endif
  if (opts.control) {
    c.control = opts.control;
    c.control->attach(pid);
  }
  return {};
}

caf::error run_command(const command_options& opts, context& ctx) {
  auto log = get_logger(ctx);
  if (ctx.stop_requested())
    return context::canceled();
  child c;
  if (auto err = spawn(opts, c)) {
    log.error("cannot start: {}", render(err));
    return err;
  }
  log.info("started {} (pid {})", opts.argv[0], c.pid);
  bool healthy = opts.ready_line.empty();
  if (healthy)
    signal(ctx, signal_type::healthy);
  line_splitter out_lines{opts.max_line};
  line_splitter err_lines{opts.max_line};
  auto check_ready = [&](const std::string& line) {
    if (!healthy && line.find(opts.ready_line) != std::string::npos) {
      healthy = true;
      signal(ctx, signal_type::healthy);
    }
  };
  auto emit_out = [&](const std::string& line) {
    log.info("{}", line);
    check_ready(line);
  };
  auto emit_err = [&](const std::string& line) {
    log.warning("{}", line);
    check_ready(line);
  };
  // Reads what is available on fd; closes it at EOF.
  auto pump = [&](int& fd, line_splitter& lines, auto& emit) {
    char buf[4096];
    for (;;) {
      auto n = ::read(fd, buf, sizeof(buf));
      if (n > 0) {
        lines.feed(buf, static_cast<size_t>(n), emit);
        continue;
      }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return;
      lines.flush(emit); // EOF or error
      close_fd(fd);
      return;
    }
  };
  // One round of poll over the pipes (and the pidfd) for up to `wait`.
  auto poll_once = [&](std::chrono::milliseconds wait) {
    pollfd fds[3];
    nfds_t n = 0;
    int out_at = -1, err_at = -1;
    if (c.out >= 0) {
      out_at = static_cast<int>(n);
      fds[n++] = {c.out, POLLIN, 0};
    }
    if (c.err >= 0) {
      err_at = static_cast<int>(n);
      fds[n++] = {c.err, POLLIN, 0};
    }
    if (c.pidfd >= 0 && !c.exited)
      fds[n++] = {c.pidfd, POLLIN, 0};
    int r = ::poll(fds, n, static_cast<int>(wait.count()));
    if (r <= 0)
      return;
    if (out_at >= 0 && fds[out_at].revents != 0)
      pump(c.out, out_lines, emit_out);
    if (err_at >= 0 && fds[err_at].revents != 0)
      pump(c.err, err_lines, emit_err);
  };
  // Run until the leader exits, watching for a stop request.
  constexpr auto tick = std::chrono::milliseconds(20);
  bool stopping = false;
  bool killed = false;
  clock_type::time_point kill_at;
  while (!c.poll_exit()) {
    if (!stopping && ctx.stop_requested()) {
      stopping = true;
      log.info("stop requested: SIGTERM to process group {}", c.pid);
      ::kill(-c.pid, SIGTERM);
      kill_at = clock_type::now() + opts.grace;
    }
    if (stopping && !killed && clock_type::now() >= kill_at) {
      killed = true;
      log.warning("grace period over: SIGKILL to process group {}", c.pid);
      ::kill(-c.pid, SIGKILL);
    }
    auto wait = tick;
    if (stopping && !killed) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        kill_at - clock_type::now() + std::chrono::milliseconds(1));
      wait = std::max(std::chrono::milliseconds(0), std::min(wait, left));
    }
    poll_once(wait);
  }
  c.finish(); // group SIGKILL, then reap the leader
  // Drain: the group is dead; pipes close unless someone outside holds them.
  auto drain_until = clock_type::now() + opts.drain;
  while ((c.out >= 0 || c.err >= 0) && clock_type::now() < drain_until)
    poll_once(std::chrono::duration_cast<std::chrono::milliseconds>(drain_until - clock_type::now())
              + std::chrono::milliseconds(1));
  out_lines.flush(emit_out);
  err_lines.flush(emit_err);
  stopping = stopping || ctx.stop_requested();
  caf::error result;
  if (WIFSIGNALED(c.status))
    result = make_error(actors_errc::killed_by_signal,
                        fmt::format("{} (pid {}) killed by {}", opts.argv[0], c.pid,
                                    signal_name(WTERMSIG(c.status))));
  else
    result = make_error(actors_errc::exited,
                        fmt::format("{} (pid {}) exited with status {}", opts.argv[0], c.pid,
                                    WEXITSTATUS(c.status)));
  if (stopping) {
    log.info("stopped: {}", detail_of(result));
    return context::canceled();
  }
  log.warning("{}", detail_of(result));
  return result;
}

} // namespace

runnable command(command_options opts) {
  name_category();
  if (auto err = validate(opts))
    throw std::invalid_argument(supervise::detail_of(err));
  return runnable::blocking(
    [opts = std::make_shared<const command_options>(std::move(opts))](context& ctx) {
      return run_command(*opts, ctx);
    });
}

} // namespace supervise::actors
