// Lease renewals by changes (actors/src/detail/grant_log.hpp) as tables: the
// desk's numbered set and the agent's copy stay equal through idle renewals,
// releases, overtaken grants and a copy the log can no longer update; a grant
// that is not applied renews nothing; the history stays bounded; and, over
// seeded random histories with grants reordered and lost, an applied grant
// never leaves an epoch the desk let go of in the copy.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "detail/grant_log.hpp"

using namespace supervise::actors::detail;

namespace {

using epochs = std::vector<uint64_t>;

// One step: the desk adds or removes an epoch or answers a renewal naming a
// generation (kept as grant number `slot`); the agent applies a kept grant.
struct grant_step {
  enum kind_t { add, remove, grant, apply } kind;
  uint64_t arg = 0;  // the epoch (add, remove), the named generation (grant)
  size_t slot = 0;   // which grant (grant, apply)
  bool applies = true;        // apply: whether the copy takes it
  epochs dropped = {};        // apply: what leaves the copy
  epochs copy_after = {};     // apply: the copy's epochs afterwards
};

struct grant_scenario {
  const char* name;
  std::vector<grant_step> steps;
  std::vector<size_t> sizes = {}; // added + removed epochs carried, per grant slot
};

epochs sorted(epochs xs) {
  std::sort(xs.begin(), xs.end());
  return xs;
}

epochs copy_of(const grant_copy& copy, const epochs& universe) {
  epochs xs;
  for (auto e : universe)
    if (copy.contains(e))
      xs.push_back(e);
  return xs;
}

} // namespace

BOOST_AUTO_TEST_SUITE(grant_log_rules)

BOOST_AUTO_TEST_CASE(the_copy_follows_the_set_by_changes) {
  using S = grant_step;
  const std::vector<grant_scenario> table{
    {"an idle renewal carries nothing",
     {{S::add, 1}, {S::add, 2}, {S::grant, 0, 0}, {S::apply, 0, 0, true, {}, {1, 2}},
      {S::grant, 2, 1}, {S::apply, 0, 1, true, {}, {1, 2}}},
     {2, 0}},
    {"a released epoch leaves the copy and its child is dropped",
     {{S::add, 1}, {S::add, 2}, {S::grant, 0, 0}, {S::apply, 0, 0, true, {}, {1, 2}},
      {S::remove, 1}, {S::grant, 2, 1}, {S::apply, 0, 1, true, {1}, {2}}},
     {2, 1}},
    {"an epoch held and released between two grants is not started",
     {{S::add, 1}, {S::remove, 1}, {S::add, 2}, {S::grant, 0, 0},
      {S::apply, 0, 0, true, {}, {2}}}},
    {"a grant overtaken by a newer one is not applied",
     {{S::add, 1}, {S::grant, 0, 0}, {S::remove, 1}, {S::add, 2}, {S::grant, 0, 1},
      {S::apply, 0, 1, true, {}, {2}}, {S::apply, 0, 0, false, {}, {2}}}},
    {"a copy inside a grant's range catches up",
     {{S::add, 1}, {S::grant, 0, 0}, {S::add, 2}, {S::grant, 0, 1},
      {S::apply, 0, 0, true, {}, {1}}, {S::apply, 0, 1, true, {}, {1, 2}}}},
    {"a copy the log cannot update gets the whole set",
     {{S::add, 1}, {S::add, 2}, {S::grant, 2, 0}, {S::remove, 2}, {S::add, 3},
      {S::grant, 1, 1}, {S::apply, 0, 1, true, {}, {1, 3}}},
     {0, 2}},
    {"a whole set older than the copy is not applied",
     {{S::add, 1}, {S::add, 2}, {S::grant, 2, 0}, {S::grant, 0, 1}, {S::remove, 1},
      {S::grant, 1, 2}, {S::apply, 0, 2, true, {}, {2}}, {S::apply, 0, 1, false, {}, {2}}}},
    {"a grant from a newer generation than the copy's start is a gap",
     {{S::add, 1}, {S::add, 2}, {S::grant, 0, 0}, {S::add, 3}, {S::grant, 2, 1},
      {S::apply, 0, 1, false, {}, {}}, {S::apply, 0, 0, true, {}, {1, 2}},
      {S::apply, 0, 1, true, {}, {1, 2, 3}}}},
  };
  for (auto& sc : table) {
    BOOST_TEST_CONTEXT(sc.name) {
      grant_log<bool> log;
      grant_copy copy;
      std::map<size_t, grant_delta> grants;
      epochs universe;
      for (auto& s : sc.steps) {
        switch (s.kind) {
          case grant_step::add:
            log.add(s.arg, true);
            universe.push_back(s.arg);
            break;
          case grant_step::remove: log.remove(s.arg); break;
          case grant_step::grant: grants[s.slot] = log.grant(s.arg); break;
          case grant_step::apply: {
            epochs dropped;
            BOOST_CHECK_EQUAL(copy.apply(grants.at(s.slot), dropped), s.applies);
            BOOST_CHECK(sorted(dropped) == s.dropped);
            BOOST_CHECK(copy_of(copy, universe) == s.copy_after);
            break;
          }
        }
      }
      for (size_t i = 0; i < sc.sizes.size(); ++i)
        BOOST_CHECK_EQUAL(grants.at(i).added.size() + grants.at(i).removed.size(), sc.sizes[i]);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_history_no_renewal_trims_is_bounded_and_replaced_by_the_whole_set) {
  // Placements on a node that never answers (held, then let go) leave no
  // growing history: the agent that finally renews gets the whole set.
  grant_log<bool> log;
  log.add(1, true);
  for (uint64_t e = 100; e < 1100; ++e) {
    log.add(e, true);
    log.remove(e);
  }
  auto d = log.grant(0);
  BOOST_CHECK(d.full);
  BOOST_CHECK(d.added == epochs{1});
  BOOST_CHECK(d.removed.empty());
  grant_copy copy;
  epochs dropped;
  BOOST_CHECK(copy.apply(d, dropped));
  BOOST_CHECK(copy.contains(1));
  BOOST_CHECK_EQUAL(copy.generation(), log.generation());
  log.remove(1); // from here on, changes again
  auto next = log.grant(copy.generation());
  BOOST_CHECK(!next.full);
  BOOST_CHECK(next.removed == epochs{1});
}

BOOST_AUTO_TEST_CASE(a_grant_is_sent_for_an_epoch_only_once_a_grant_carried_it) {
  grant_log<bool> log;
  log.add(5, true);
  BOOST_CHECK(!log.sent(5)); // released now: its agent cannot have started it
  log.grant(0);
  BOOST_CHECK(log.sent(5));
  log.add(6, true);
  BOOST_CHECK(!log.sent(6));
  BOOST_CHECK(log.sent(5));
  log.remove(5);
  BOOST_CHECK(!log.sent(5));
  BOOST_CHECK(log.find(5) == nullptr);
  BOOST_CHECK(log.find(6) != nullptr);
}

// Seeded random histories: the desk changes its set and answers renewals
// naming the generation the copy had when the renewal left; grants arrive
// late, out of order or never. After every applied grant the copy is the
// desk's set at that grant's generation, so it holds no epoch released by
// then.
BOOST_AUTO_TEST_CASE(an_applied_grant_leaves_exactly_the_set_of_its_generation) {
  for (uint32_t seed = 1; seed <= 300; ++seed) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      std::mt19937 rng{seed};
      grant_log<bool> log;
      grant_copy copy;
      std::map<uint64_t, std::set<uint64_t>> set_at; // the desk's set by generation
      std::set<uint64_t> current;
      set_at[0] = current;
      std::vector<grant_delta> in_flight;
      uint64_t next_epoch = 1;
      for (int i = 0; i < 200; ++i) {
        switch (rng() % 6) {
          case 0:
          case 1:
            log.add(next_epoch, true);
            current.insert(next_epoch++);
            break;
          case 2:
            if (!current.empty()) {
              auto e = *std::next(current.begin(), static_cast<long>(rng() % current.size()));
              log.remove(e);
              current.erase(e);
            }
            break;
          case 3: in_flight.push_back(log.grant(copy.generation())); break;
          default:
            if (!in_flight.empty()) {
              auto k = rng() % in_flight.size();
              auto d = in_flight[k];
              in_flight.erase(in_flight.begin() + static_cast<long>(k));
              if (rng() % 8 == 0)
                break; // lost
              epochs dropped;
              if (copy.apply(d, dropped)) {
                std::set<uint64_t> have;
                for (uint64_t e = 1; e < next_epoch; ++e)
                  if (copy.contains(e))
                    have.insert(e);
                BOOST_REQUIRE(have == set_at.at(d.to));
              }
            }
        }
        set_at[log.generation()] = current;
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
