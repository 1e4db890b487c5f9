// What a node agent refuses and how it fences on its own: a start of an
// epoch older than one it has seen, a blocking actor type, a child whose
// desk stopped granting, and the children of a supervisor process that
// stopped answering (SIGSTOP): their leases lapse and they stop within the
// lease, with nobody telling them.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <csignal>

#include "actors_support.hpp"
#include "detail/protocol.hpp"
#include "effect_log.hpp"
#include "remote_types.hpp"
#include "supervise/actors/command.hpp"
#include "supervise/actors/command_type.hpp"
#include "supervise/actors/remote_child.hpp"
#include "supervise/actors/errc.hpp"
#include "supervise/actors/node_agent.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace supervise::actors;
using namespace test;
namespace proto = supervise::actors::detail;

namespace {

using steady = std::chrono::steady_clock;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now().time_since_epoch())
    .count();
}

// Ends by itself: CAF cannot kill a blocking actor.
void sleeper(caf::blocking_actor* self) {
  self->receive([](int) {}, caf::after(std::chrono::milliseconds(50)) >> [] {});
}

command_options program(std::vector<std::string> argv, std::shared_ptr<command_control> ctl = nullptr) {
  command_options c;
  c.argv = std::move(argv);
  c.grace = 2s;
  c.control = std::move(ctl);
  return c;
}

// "sleeper" blocks in-process; "sleep" and "exit3" are subprocesses.
struct sleeper_config : plain_node_config {
  std::shared_ptr<command_control> sleep_ctl = std::make_shared<command_control>();
  sleeper_config() {
    add_actor_type("sleeper", sleeper);
    add_command_type(*this, "sleep", program({"/bin/sleep", "30"}, sleep_ctl));
    add_command_type(*this, "exit3", program({"/bin/sh", "-c", "exit 3"}));
  }
};

/// A node agent in this process (allowing doubler, effector, sleeper).
struct agent_fixture : recording {
  sleeper_config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<published_endpoint> ep = std::make_shared<published_endpoint>();
  std::optional<tree> worker;

  agent_fixture() {
    node_agent_options a;
    a.allow = {"doubler", "effector", "sleeper", "sleep", "exit3"};
    a.insecure = true;
    a.endpoint = ep;
    worker.emplace(sys, one_child("agent", node_agent(a)), options());
    BOOST_REQUIRE(rec.wait("root.agent", node_state::healthy));
  }
};

// A lease desk that confirms every epoch in `granted` (a whole set, at
// generation 1, with each grant).
caf::behavior granting_desk(std::vector<uint64_t> granted) {
  return {[granted](proto::renew_atom, uint64_t seq, uint64_t, uint64_t) {
    return caf::make_message(proto::grant_atom::value, seq, uint64_t{0}, uint64_t{1}, true, granted,
                             std::vector<uint64_t>{});
  }};
}

// A lease desk that confirms `epochs` in its first `answers` grants, then
// goes silent (still reachable); `last` holds when it last answered.
caf::behavior silencing_desk(std::vector<uint64_t> epochs, int answers,
                             std::shared_ptr<std::atomic<int64_t>> last) {
  auto left = std::make_shared<int>(answers);
  return {[=](proto::renew_atom, uint64_t seq, uint64_t, uint64_t) -> caf::result<caf::message> {
    if (*left == 0)
      return caf::make_message(); // no grant
    --*left;
    last->store(now_ns());
    return caf::make_message(proto::grant_atom::value, seq, uint64_t{0}, uint64_t{1}, true,
                             epochs, std::vector<uint64_t>{});
  }};
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(node_agent_fencing, agent_fixture)

BOOST_AUTO_TEST_CASE(a_child_stops_within_its_lease_once_grants_stop) {
  // Renewals every 50 ms (a quarter of the shortest lease, 200 ms); the
  // child watched has a lease of 210 ms, a deadline between two renewals.
  // The desk answers 5 renewals.
  auto last = std::make_shared<std::atomic<int64_t>>(0);
  auto desk = sys.spawn(silencing_desk, std::vector<uint64_t>{1, 2}, 5, last);
  caf::scoped_actor self{sys};
  auto start = [&](uint64_t epoch, int64_t lease) {
    caf::actor child;
    self
      ->request(ep->actor(), 5s, proto::start_atom::value, "k" + std::to_string(epoch), epoch,
                std::string{"doubler"}, caf::make_message(), desk, lease, int64_t{50'000'000})
      .receive([&](caf::actor& c) { child = c; },
               [&](caf::error& err) { BOOST_FAIL(render(err)); });
    return child;
  };
  start(1, 200'000'000);
  self->monitor(start(2, 210'000'000));
  caf::error reason;
  self->receive([&](caf::down_msg& msg) { reason = msg.reason; },
                caf::after(5s) >> [] { BOOST_FAIL("the child still runs 5 s after its start"); });
  auto stopped = now_ns();
  BOOST_CHECK(reason == errc::lease_expired);
  // Its deadline counts from a renewal sent before the desk's last answer;
  // a check only at the next renewal would come 40 ms after it.
  auto late = stopped - last->load() - int64_t{210'000'000};
  BOOST_TEST_MESSAGE("stopped " << late / 1'000'000 << " ms after the last grant + lease");
  BOOST_CHECK_LT(late, int64_t{20'000'000});
  BOOST_CHECK_GT(late, int64_t{-60'000'000});
  caf::anon_send_exit(desk, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(a_start_of_an_older_epoch_is_refused_as_stale) {
  auto desk = sys.spawn(granting_desk, std::vector<uint64_t>{10});
  caf::scoped_actor self{sys};
  auto start = [&](uint64_t epoch) {
    caf::error out;
    self
      ->request(ep->actor(), 5s, proto::start_atom::value, std::string{"k"}, epoch,
                std::string{"doubler"}, caf::make_message(), desk, int64_t{500'000'000},
                int64_t{50'000'000})
      .receive([&](caf::actor&) {}, [&](caf::error& err) { out = err; });
    return out;
  };
  BOOST_CHECK(!start(10)); // confirmed by the desk: runs
  auto old = start(9);
  BOOST_CHECK(old == errc::stale_epoch);
  BOOST_CHECK_EQUAL(detail_of(old), "key k: epoch 9 is not newer than 10");
  BOOST_CHECK(start(10) == errc::stale_epoch); // the same epoch twice, too
  auto unconfirmed = start(11); // the desk does not list it
  BOOST_CHECK(unconfirmed == errc::lease_expired);
  BOOST_CHECK_EQUAL(detail_of(unconfirmed), "key k: epoch 11 was not confirmed by its supervisor");
  caf::anon_send_exit(desk, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(a_blocking_actor_type_is_refused_naming_it) {
  auto desk = sys.spawn(granting_desk, std::vector<uint64_t>{1});
  caf::scoped_actor self{sys};
  caf::error out;
  self
    ->request(ep->actor(), 5s, proto::start_atom::value, std::string{"k"}, uint64_t{1},
              std::string{"sleeper"}, caf::make_message(), desk, int64_t{500'000'000},
              int64_t{50'000'000})
    .receive([&](caf::actor&) {}, [&](caf::error& err) { out = err; });
  BOOST_CHECK(out == actors_errc::refused);
  BOOST_CHECK(detail_of(out).find("\"sleeper\" is a blocking actor") != std::string::npos);
  caf::anon_send_exit(desk, caf::exit_reason::user_shutdown);
}

namespace {

// Starts a supervisor process running one remote effector on this agent;
// returns its epoch once it has effects.
uint64_t start_supervisor_process(agent_fixture& f, effect_log& effects,
                                  std::shared_ptr<command_control> ctl,
                                  std::optional<tree>& launcher) {
  command_options c;
  c.argv = {SUPERVISE_ACTORS_NODE, "supervise", std::to_string(f.ep->port()), effects.path};
  c.ready_line = "running";
  c.grace = 2s;
  c.control = std::move(ctl);
  launcher.emplace(f.sys, one_child("sup", command(c)), f.options());
  BOOST_REQUIRE(f.rec.wait("root.sup", node_state::healthy, 1, 20s));
  auto xs = effects.read();
  BOOST_REQUIRE_EQUAL(xs.size(), 1u);
  auto epoch = xs.begin()->first;
  BOOST_REQUIRE(effects.wait_effects(epoch, 3));
  return epoch;
}

} // namespace

BOOST_AUTO_TEST_CASE(a_killed_supervisor_s_child_stops_at_once) {
  effect_log effects;
  auto ctl = std::make_shared<command_control>();
  std::optional<tree> launcher;
  auto epoch = start_supervisor_process(*this, effects, ctl, launcher);
  auto killed = now_ns();
  BOOST_CHECK(!ctl->signal(SIGKILL)); // the socket closes: the agent knows
  BOOST_CHECK(logs.wait("root.agent", "connection to its supervisor was lost", 5s));
  auto ts = effects.read()[epoch];
  auto last = *std::max_element(ts.begin(), ts.end());
  BOOST_TEST_MESSAGE("last effect " << (last - killed) / 1'000'000 << " ms after the kill");
  BOOST_CHECK_LT(last - killed, int64_t{200'000'000}); // well before the lease would lapse
  launcher->stop();
  launcher->wait();
}

BOOST_AUTO_TEST_CASE(a_paused_supervisor_s_child_stops_within_its_lease) {
  effect_log effects;
  auto ctl = std::make_shared<command_control>();
  std::optional<tree> launcher;
  auto epoch = start_supervisor_process(*this, effects, ctl, launcher);
  auto paused = now_ns();
  BOOST_CHECK(!ctl->signal(SIGSTOP)); // renewals stop; the connection stays
  BOOST_CHECK(logs.wait("root.agent", "its lease lapsed", 5s)
              || logs.wait("root.agent", "connection to its supervisor was lost", 5s));
  auto ts = effects.read()[epoch];
  auto last = *std::max_element(ts.begin(), ts.end());
  // A lease of 500 ms counts from the last renewal sent before the pause.
  BOOST_TEST_MESSAGE("last effect " << (last - paused) / 1'000'000 << " ms after the pause");
  BOOST_CHECK_LT(last - paused, int64_t{500'000'000} + int64_t{20'000'000});
  BOOST_CHECK(!ctl->signal(SIGCONT));
  launcher->stop();
  launcher->wait();
}

BOOST_AUTO_TEST_CASE(blocking_work_runs_remotely_as_a_command) {
  plain_node_config sup_cfg;
  caf::actor_system sup_sys{sup_cfg};
  auto remote = [&](const char* type) {
    remote_child_options o;
    o.type = type;
    o.nodes = {{"n1", "127.0.0.1", ep->port()}};
    o.insecure = true;
    return remote_child(o);
  };
  tree sup{sup_sys, [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
    run(ctx, "sleep", remote("sleep"));
    run(ctx, "exit3", remote("exit3"));
    signal(ctx, signal_type::healthy);
    signal(ctx, signal_type::done);
    return {};
  }, options()};
  BOOST_REQUIRE(rec.wait("root.sleep", node_state::healthy));
  auto until = steady::now() + 10s; // the program starts on the node's own thread
  while (cfg.sleep_ctl->pid() == 0 && steady::now() < until)
    std::this_thread::sleep_for(5ms); // ok-sleep: a pid has nothing to wait on
  auto pid = cfg.sleep_ctl->pid();
  BOOST_REQUIRE(pid > 0); // /bin/sleep runs on the node
  // A program that exits by itself ends its remote child with its status.
  BOOST_REQUIRE(rec.wait("root.exit3", node_state::dead));
  BOOST_CHECK(logs.wait("root", "exited with status 3"));
  // Stopping the remote child stops the program (SIGTERM) and reaps it.
  sup.stop();
  BOOST_CHECK(!sup.wait());
  BOOST_CHECK(wait_gone(pid));
  BOOST_CHECK_EQUAL(cfg.sleep_ctl->pid(), 0);
}

BOOST_AUTO_TEST_SUITE_END()
