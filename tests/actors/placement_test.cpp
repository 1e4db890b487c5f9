// Placement and option checks of remote children, no actor system needed:
//  - placement_choice: detail::choose_node (actors/src/detail/placement.hpp)
//    as one table, for every policy: plain choice, ties, quarantine (skipped
//    while a fresh candidate exists, used when none is), tried candidates
//    (never again; all tried -> none), empty lists, round_robin's turn,
//    least_loaded's load, spread's group members then load, pinned's index 0.
//  - remote_options: each bad field of remote_child_options and
//    node_agent_options gives errc::invalid_option (validate()) and
//    std::invalid_argument (the factory) whose text names the field and value.
#include <boost/test/unit_test.hpp>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "detail/placement.hpp"
#include "supervise/actors/node_agent.hpp"
#include "supervise/actors/remote_child.hpp"
#include "supervise/errc.hpp"

using namespace std::chrono_literals;
using namespace supervise::actors;
using supervise::actors::detail::candidate_state;

namespace {

candidate_state F(uint64_t load = 0, uint64_t group = 0) { return {false, false, load, group}; }
candidate_state Q(uint64_t load = 0, uint64_t group = 0) { return {false, true, load, group}; }
candidate_state T(uint64_t load = 0, uint64_t group = 0) { return {true, false, load, group}; }
candidate_state TQ() { return {true, true, 0, 0}; }

constexpr auto P = placement::priority;
constexpr auto R = placement::round_robin;
constexpr auto L = placement::least_loaded;
constexpr auto S = placement::spread;
constexpr auto N = placement::pinned;
constexpr std::optional<size_t> none;

struct placement_row {
  const char* what;
  placement policy;
  std::vector<candidate_state> c;
  uint64_t turn;
  std::optional<size_t> expected;
};

const std::vector<placement_row> rows = {
  // priority
  {"priority: the first candidate", P, {F(5), F(0), F(1)}, 0, 0},
  {"priority: turn is ignored", P, {F(), F(), F()}, 7, 0},
  {"priority: quarantined first is skipped", P, {Q(), F(), F()}, 0, 1},
  {"priority: all quarantined -> the first of them", P, {Q(), Q()}, 0, 0},
  {"priority: tried first is skipped", P, {T(), F()}, 0, 1},
  {"priority: tried+quarantined never; quarantined beats nothing", P, {TQ(), Q()}, 0, 1},
  {"priority: everything tried -> none", P, {T(), T()}, 0, none},
  {"priority: empty -> none", P, {}, 0, none},
  // round_robin
  {"round_robin: turn 0 -> first (tie to the earlier)", R, {F(), F(), F()}, 0, 0},
  {"round_robin: turn 1 -> second", R, {F(), F(), F()}, 1, 1},
  {"round_robin: turn wraps modulo n", R, {F(), F(), F()}, 5, 2},
  {"round_robin: quarantined start skipped, walk wraps", R, {F(), F(), Q()}, 2, 0},
  {"round_robin: tried start skipped", R, {F(), T(), F()}, 1, 2},
  {"round_robin: all quarantined -> the turn's start", R, {Q(), Q(), Q()}, 4, 1},
  {"round_robin: quarantined and tried, the fresh one", R, {Q(), T(), F()}, 0, 2},
  {"round_robin: everything tried -> none", R, {T(), T()}, 3, none},
  {"round_robin: empty -> none", R, {}, 3, none},
  // least_loaded
  {"least_loaded: the lowest load", L, {F(3), F(1), F(2)}, 0, 1},
  {"least_loaded: tie goes to the earlier", L, {F(2), F(1), F(1)}, 0, 1},
  {"least_loaded: turn is ignored", L, {F(1), F(1)}, 1, 0},
  {"least_loaded: quarantined idle node skipped", L, {F(9), Q(0)}, 0, 0},
  {"least_loaded: all quarantined -> least loaded of them", L, {Q(4), Q(2)}, 0, 1},
  {"least_loaded: tried idle node never", L, {T(0), F(9)}, 0, 1},
  {"least_loaded: everything tried -> none", L, {T(), T()}, 0, none},
  {"least_loaded: empty -> none", L, {}, 0, none},
  // spread
  {"spread: fewest group members wins over load", S, {F(0, 2), F(9, 1)}, 0, 1},
  {"spread: equal members -> lower load", S, {F(5, 1), F(3, 1), F(4, 1)}, 0, 1},
  {"spread: full tie goes to the earlier", S, {F(2, 1), F(2, 1)}, 0, 0},
  {"spread: quarantined empty node skipped", S, {F(5, 3), Q(0, 0)}, 0, 0},
  {"spread: all quarantined -> spread among them", S, {Q(0, 2), Q(0, 1)}, 0, 1},
  {"spread: tried empty node never", S, {T(0, 0), F(1, 1)}, 0, 1},
  {"spread: everything tried -> none", S, {T(), T()}, 0, none},
  {"spread: empty -> none", S, {}, 0, none},
  // pinned
  {"pinned: index 0", N, {F(9), F(0)}, 3, 0},
  {"pinned: index 0 even quarantined", N, {Q(), F()}, 0, 0},
  {"pinned: index 0 tried -> none, never another", N, {T(), F()}, 0, none},
  {"pinned: empty -> none", N, {}, 0, none},
};

std::string show(std::optional<size_t> x) { return x ? std::to_string(*x) : "none"; }

template <class F>
std::string thrown_by(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

remote_child_options good_remote() {
  remote_child_options o;
  o.type = "doubler";
  o.nodes = {{"n1", "127.0.0.1", 4000}};
  return o;
}

} // namespace

BOOST_AUTO_TEST_SUITE(placement_choice)

BOOST_AUTO_TEST_CASE(table) {
  for (auto& r : rows) {
    auto got = supervise::actors::detail::choose_node(r.policy, r.c, r.turn);
    BOOST_CHECK_MESSAGE(got == r.expected,
                        r.what << ": got " << show(got) << ", expected " << show(r.expected));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(remote_options)

BOOST_AUTO_TEST_CASE(remote_child_bad_fields_name_field_and_value) {
  BOOST_CHECK(!validate(good_remote()));
  // One mutation of the good options per row, and a substring of the text.
  struct bad {
    std::function<void(remote_child_options&)> spoil;
    std::string text;
  };
  const std::vector<bad> bads = {
    {[](auto& o) { o.type = ""; }, "remote_child: type is empty"},
    {[](auto& o) { o.nodes.clear(); }, "remote_child: nodes is empty"},
    {[](auto& o) { o.nodes[0].name = ""; }, "nodes[0].name \"\" must be 1..64 chars"},
    {[](auto& o) { o.nodes[0].name = std::string(65, 'x'); },
     "nodes[0].name \"" + std::string(65, 'x') + "\" must be 1..64 chars"},
    {[](auto& o) { o.nodes[0].host = ""; }, "nodes[0] (n1): host is empty"},
    {[](auto& o) { o.nodes[0].port = 0; }, "nodes[0] (n1): port 0 is out of range 1..65535"},
    {[](auto& o) { o.nodes[0].port = 65536; },
     "nodes[0] (n1): port 65536 is out of range 1..65535"},
    {[](auto& o) { o.nodes.push_back({"n2", "h", 1}), o.nodes.push_back({"n1", "h", 2}); },
     "nodes[2]: name \"n1\" is listed twice"},
    {[](auto& o) { o.lease = 99ms; }, "lease must be >= 100 ms, got 99000000 ns"},
    {[](auto& o) { o.stop_grace = -1ns; }, "stop_grace must be >= 0, got -1 ns"},
    {[](auto& o) { o.connect_timeout = 0ns; }, "connect_timeout must be > 0, got 0 ns"},
    {[](auto& o) { o.connect_timeout = -3ns; }, "connect_timeout must be > 0, got -3 ns"},
    {[](auto& o) { o.quarantine = -2ns; }, "quarantine must be >= 0, got -2 ns"},
  };
  for (auto& b : bads) {
    BOOST_TEST_CONTEXT(b.text) {
      auto o = good_remote();
      b.spoil(o);
      auto err = validate(o);
      BOOST_CHECK(err == supervise::errc::invalid_option);
      BOOST_CHECK_NE(supervise::detail_of(err).find(b.text), std::string::npos);
      BOOST_CHECK_NE(thrown_by([&] { remote_child(o); }).find(b.text), std::string::npos);
    }
  }
  // Edges that are fine: 64-char name, port 65535, lease 100 ms, zero grace
  // and quarantine, two distinct nodes.
  auto o = good_remote();
  o.nodes = {{std::string(64, 'y'), "h", 65535}, {"n2", "h", 1}};
  o.lease = 100ms;
  o.stop_grace = 0ns;
  o.quarantine = 0ns;
  BOOST_CHECK(!validate(o));
}

BOOST_AUTO_TEST_CASE(node_agent_bad_fields_name_field_and_value) {
  BOOST_CHECK(!validate(node_agent_options{}));
  struct bad {
    std::function<void(node_agent_options&)> spoil;
    std::string text;
  };
  const std::vector<bad> bads = {
    {[](auto& o) { o.port = -1; }, "node_agent: port -1 is out of range 0..65535"},
    {[](auto& o) { o.port = 65536; }, "node_agent: port 65536 is out of range 0..65535"},
    {[](auto& o) { o.address = ""; }, "node_agent: address is empty"},
    {[](auto& o) { o.allow = {"a", ""}; }, "node_agent: allow[1] is empty"},
    {[](auto& o) { o.allow = {"a", "b", "a"}; }, "node_agent: allow[2] \"a\" is listed twice"},
  };
  for (auto& b : bads) {
    BOOST_TEST_CONTEXT(b.text) {
      node_agent_options o;
      b.spoil(o);
      auto err = validate(o);
      BOOST_CHECK(err == supervise::errc::invalid_option);
      BOOST_CHECK_NE(supervise::detail_of(err).find(b.text), std::string::npos);
      BOOST_CHECK_NE(thrown_by([&] { node_agent(o); }).find(b.text), std::string::npos);
    }
  }
  node_agent_options o;
  o.port = 65535;
  o.allow = {"a", "b"};
  BOOST_CHECK(!validate(o));
}

BOOST_AUTO_TEST_SUITE_END()
