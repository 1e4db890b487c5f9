// The command runnable against real programs (/bin/sh): output under the DN,
// failures and backoff, the stop sequence, readiness, signal forwarding, and
// process hygiene (no zombies, no orphans) checked in /proc.
#include <boost/test/unit_test.hpp>

#include <csignal>
#include <thread>

#include "actors_support.hpp"
#include "supervise/actors/command.hpp"
#include "supervise/actors/errc.hpp"
#include "supervise/actors/periodic.hpp"
#include "supervise/actors/published_server.hpp"
#include "supervise/actors/remote_connection.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace supervise::actors;
using namespace test;

namespace {

command_options sh(std::string script) {
  command_options opts;
  opts.argv = {"/bin/sh", "-c", std::move(script)};
  opts.grace = 2s;
  return opts;
}

pid_t pid_after(const std::optional<log_line>& line, const std::string& key) {
  if (!line)
    return -1;
  auto at = line->msg.find(key);
  return at == std::string::npos ? -1 : static_cast<pid_t>(std::atol(line->msg.c_str() + at + key.size()));
}

// `n` restarts of a program that exits at once (backoff 0), then a stop:
// at most one zombie while running (the one exiting right now), none and no
// live child process after the stop.
void restarts_leave_zero_zombies(actors_fixture& f, size_t n, std::chrono::milliseconds bound) {
  auto ctl = std::make_shared<command_control>();
  auto opts = sh("exit 3");
  opts.control = ctl;
  auto topts = f.options();
  topts.backoff.initial = 0ns;
  topts.backoff.max_interval = 0ns;
  topts.backoff.jitter = 0;
  topts.sink = [](log_level, std::string_view, std::string_view) {};
  auto t0 = std::chrono::steady_clock::now();
  tree t{f.sys, one_child("cmd", command(opts)), topts};
  BOOST_REQUIRE(f.rec.wait("root.cmd", node_state::dead, n, bound));
  auto mid = count_children();
  t.stop();
  BOOST_CHECK(!t.wait());
  auto took = std::chrono::steady_clock::now() - t0;
  auto after = count_children();
  BOOST_TEST_MESSAGE(n << " restarts: " << ctl->starts() << " starts in "
                     << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                     << " ms; children while running: " << mid.first << " zombies, "
                     << mid.second << " live; after stop: " << after.first << " zombies, "
                     << after.second << " live");
  BOOST_CHECK(ctl->starts() >= n);
  BOOST_CHECK(mid.first <= 1u);
  BOOST_CHECK_EQUAL(after.first, 0u);
  BOOST_CHECK_EQUAL(after.second, 0u);
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(command_runnable, actors_fixture)

BOOST_AUTO_TEST_CASE(crashing_command_restarts_with_backoff_and_logs_under_its_dn) {
  auto opts = sh("echo hello from $$; echo trouble >&2; exit 3");
  tree t{sys, one_child("cmd", command(opts)), options()};
  BOOST_REQUIRE(rec.wait("root.cmd", node_state::dead, 3));
  // Output: stdout at INFO, stderr at WARN, under the node's DN.
  auto out = logs.wait("root.cmd", "hello from ");
  BOOST_REQUIRE(out);
  BOOST_CHECK(out->level == log_level::info);
  auto err = logs.wait("root.cmd", "trouble");
  BOOST_REQUIRE(err);
  BOOST_CHECK(err->level == log_level::warning);
  // Every exit is a failure naming the status; healthy at spawn does not
  // reset the backoff of a program that dies within min_uptime (1 s), so
  // the delays grow: 20, 30, 45 ms.
  BOOST_CHECK(logs.wait("root.cmd", "exited with status 3"));
  BOOST_CHECK(logs.wait("root.cmd", "restarting after backoff of 20 ms"));
  BOOST_CHECK(logs.wait("root.cmd", "restarting after backoff of 30 ms"));
  BOOST_CHECK(logs.wait("root.cmd", "restarting after backoff of 45 ms"));
  t.stop();
  BOOST_CHECK(!t.wait());
  BOOST_CHECK_EQUAL(count_children().first, 0u);
}

BOOST_AUTO_TEST_CASE(clean_exit_is_a_failure_too) {
  tree t{sys, one_child("cmd", command(sh("exit 0"))), options()};
  BOOST_REQUIRE(rec.wait("root.cmd", node_state::dead, 2));
  BOOST_CHECK(logs.wait("root.cmd", "exited with status 0"));
  t.stop();
  t.wait();
}

BOOST_AUTO_TEST_CASE(killed_program_names_the_signal) {
  tree t{sys, one_child("cmd", command(sh("kill -SEGV $$"))), options()};
  BOOST_REQUIRE(rec.wait("root.cmd", node_state::dead, 1));
  BOOST_CHECK(logs.wait("root.cmd", "killed by SIGSEGV"));
  t.stop();
  t.wait();
}

BOOST_AUTO_TEST_CASE(stopped_command_ends_canceled_not_dead) {
  auto opts = sh("echo ready; exec sleep 1000");
  opts.ready_line = "ready";
  tree t{sys, one_child("cmd", command(opts)), options()};
  BOOST_REQUIRE(rec.wait("root.cmd", node_state::healthy));
  t.stop();
  BOOST_CHECK(!t.wait());
  BOOST_CHECK_EQUAL(rec.count("root.cmd", node_state::canceled), 1u);
  BOOST_CHECK_EQUAL(rec.count("root.cmd", node_state::dead), 0u);
  BOOST_CHECK(logs.wait("root.cmd", "stopped: /bin/sh"));
}

BOOST_AUTO_TEST_CASE(stop_kills_a_program_ignoring_sigterm_within_the_grace_period) {
  auto opts = sh("trap '' TERM; echo pid=$$; while :; do sleep 0.05; done");
  opts.grace = 300ms;
  opts.ready_line = "pid=";
  tree t{sys, one_child("cmd", command(opts)), options()};
  BOOST_REQUIRE(rec.wait("root.cmd", node_state::healthy));
  auto pid = pid_after(logs.wait("root.cmd", "pid="), "pid=");
  BOOST_REQUIRE(pid > 0);
  auto t0 = std::chrono::steady_clock::now();
  t.stop();
  BOOST_CHECK(!t.wait());
  auto took = std::chrono::steady_clock::now() - t0;
  BOOST_TEST_MESSAGE("stop of a SIGTERM-ignoring program took "
                     << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                     << " ms (grace 300 ms)");
  BOOST_CHECK(took >= 300ms);
  BOOST_CHECK(took < 3s);
  BOOST_CHECK(logs.wait("root.cmd", "grace period over: SIGKILL"));
  BOOST_CHECK(logs.wait("root.cmd", "killed by SIGKILL"));
  BOOST_CHECK_EQUAL(rec.count("root.cmd", node_state::canceled), 1u);
  BOOST_CHECK(!proc_state(pid)); // reaped: not even a zombie
}

BOOST_AUTO_TEST_CASE(readiness_line_gates_healthy) {
  size_t healthy_when_line_seen = 99;
  logs.on_line([&](const log_line& l) {
    if (l.msg == "server is up")
      healthy_when_line_seen = rec.count("root.cmd", node_state::healthy);
  });
  auto opts = sh("echo starting; echo 'server is up'; exec sleep 1000");
  opts.ready_line = "is up";
  tree t{sys, one_child("cmd", command(opts)), options()};
  BOOST_REQUIRE(rec.wait("root.cmd", node_state::healthy));
  BOOST_CHECK_EQUAL(healthy_when_line_seen, 0u);
  t.stop();
  t.wait();
}

BOOST_AUTO_TEST_CASE(long_lines_are_cut_with_a_note) {
  auto opts = sh("head -c 5000 /dev/zero | tr '\\0' a; echo; echo short; exec sleep 1000");
  opts.max_line = 100;
  opts.ready_line = "short";
  tree t{sys, one_child("cmd", command(opts)), options()};
  BOOST_REQUIRE(rec.wait("root.cmd", node_state::healthy));
  auto cut = logs.wait("root.cmd", "[line cut at 100 bytes]");
  BOOST_REQUIRE(cut);
  BOOST_CHECK_EQUAL(cut->msg, std::string(100, 'a') + " [line cut at 100 bytes]");
  BOOST_CHECK_EQUAL(logs.count("root.cmd", "aaaa"), 1u); // the rest is dropped
  t.stop();
  t.wait();
}

BOOST_AUTO_TEST_CASE(environment_and_working_directory_are_applied) {
  auto opts = sh("echo \"foo=$FOO home=${HOME:-unset} dir=$(pwd)\"; exec sleep 1000");
  opts.env = {{"FOO", "bar"}};
  opts.unset_env = {"HOME"};
  opts.working_dir = "/tmp";
  opts.ready_line = "foo=";
  tree t{sys, one_child("cmd", command(opts)), options()};
  BOOST_REQUIRE(rec.wait("root.cmd", node_state::healthy));
  BOOST_CHECK(logs.wait("root.cmd", "foo=bar home=unset dir=/tmp"));
  t.stop();
  t.wait();
}

BOOST_AUTO_TEST_CASE(signal_is_forwarded_on_request) {
  auto ctl = std::make_shared<command_control>();
  auto opts = sh("trap 'echo got USR1' USR1; echo ready; while :; do sleep 0.05; done");
  opts.ready_line = "ready";
  opts.control = ctl;
  BOOST_CHECK(ctl->signal(SIGUSR1) == actors_errc::not_running);
  tree t{sys, one_child("cmd", command(opts)), options()};
  BOOST_REQUIRE(rec.wait("root.cmd", node_state::healthy));
  BOOST_CHECK(ctl->pid() > 0);
  BOOST_CHECK(!ctl->signal(SIGUSR1));
  BOOST_CHECK(logs.wait("root.cmd", "got USR1"));
  t.stop();
  t.wait();
  BOOST_CHECK_EQUAL(ctl->pid(), 0);
  BOOST_CHECK(ctl->signal(SIGUSR1) == actors_errc::not_running);
  BOOST_CHECK_EQUAL(ctl->starts(), 1u);
}

BOOST_AUTO_TEST_CASE(missing_program_is_a_spawn_failure_with_the_reason) {
  command_options opts;
  opts.argv = {"/nonexistent/program"};
  tree t{sys, one_child("cmd", command(opts)), options()};
  BOOST_REQUIRE(rec.wait("root.cmd", node_state::dead, 2));
  BOOST_CHECK(logs.wait("root.cmd", "/nonexistent/program: posix_spawn: No such file or directory"));
  t.stop();
  t.wait();
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(command_processes, actors_fixture)

BOOST_AUTO_TEST_CASE(stopped_program_leaves_no_grandchild_behind) {
  auto opts = sh("sleep 1000 & echo grandchild=$!; wait");
  opts.ready_line = "grandchild=";
  tree t{sys, one_child("cmd", command(opts)), options()};
  BOOST_REQUIRE(rec.wait("root.cmd", node_state::healthy));
  auto grandchild = pid_after(logs.wait("root.cmd", "grandchild="), "grandchild=");
  BOOST_REQUIRE(grandchild > 0);
  BOOST_REQUIRE(proc_state(grandchild));
  t.stop();
  BOOST_CHECK(!t.wait());
  BOOST_CHECK(wait_gone(grandchild));
  BOOST_CHECK_EQUAL(count_children().first, 0u);
}

BOOST_AUTO_TEST_CASE(exited_program_leaves_no_grandchild_behind) {
  // The leader exits at once; its grandchild would keep running (orphan).
  auto ctl = std::make_shared<command_control>();
  auto opts = sh("sleep 1000 & echo grandchild=$!; exit 1");
  opts.control = ctl;
  tree t{sys, one_child("cmd", command(opts)), options()};
  BOOST_REQUIRE(rec.wait("root.cmd", node_state::dead, 1));
  auto grandchild = pid_after(logs.wait("root.cmd", "grandchild="), "grandchild=");
  BOOST_REQUIRE(grandchild > 0);
  BOOST_CHECK(wait_gone(grandchild));
  t.stop();
  t.wait();
}

BOOST_AUTO_TEST_CASE(two_hundred_restarts_leave_zero_zombies) {
  restarts_leave_zero_zombies(*this, 200, 20s);
}

BOOST_AUTO_TEST_SUITE_END()

// 1,000 subprocess restarts and a stop leave no zombie and no orphan; a suite
// of its own, so CTest times it on its own.
BOOST_FIXTURE_TEST_SUITE(command_thousand_restarts, actors_fixture)

BOOST_AUTO_TEST_CASE(thousand_restarts_leave_zero_zombies_and_no_orphans) {
  restarts_leave_zero_zombies(*this, 1000, 60s);
}

BOOST_AUTO_TEST_SUITE_END()
