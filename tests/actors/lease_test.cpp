// The fencing rules of supervision across nodes (actors/src/detail/lease.hpp)
// as tables: the holder's deadline comes from its own send times (a late
// grant cannot extend it), the grantor fails over only after any holder
// deadline has surely passed and its child stopped, and epochs only grow.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "detail/lease.hpp"

using namespace std::chrono_literals;
using namespace supervise::actors::detail;

namespace {

lease_time at(std::chrono::nanoseconds t) { return lease_time{} + t; }

// One step of a holder scenario: a renewal sent, a grant received, or a
// check of validity at a time.
struct step {
  enum kind_t { send, grant, valid_at, invalid_at } kind;
  uint64_t seq;
  std::chrono::milliseconds t;
};

struct scenario {
  const char* name;
  std::vector<step> steps;
};

} // namespace

BOOST_AUTO_TEST_SUITE(lease_rules)

BOOST_AUTO_TEST_CASE(the_holder_deadline_comes_from_its_own_send_times) {
  using S = step;
  const std::vector<scenario> table{
    {"no grant yet: not valid", {{S::send, 1, 0ms}, {S::invalid_at, 0, 0ms}}},
    {"a grant gives t0 + L",
     {{S::send, 1, 0ms}, {S::grant, 1, 10ms}, {S::valid_at, 0, 499ms}, {S::invalid_at, 0, 500ms}}},
    {"a late grant cannot extend the lease",
     {{S::send, 1, 0ms}, {S::grant, 1, 700ms}, {S::invalid_at, 0, 700ms}}},
    {"a newer grant extends it",
     {{S::send, 1, 0ms}, {S::grant, 1, 5ms}, {S::send, 2, 200ms}, {S::grant, 2, 205ms},
      {S::valid_at, 0, 699ms}, {S::invalid_at, 0, 700ms}}},
    {"an older grant after a newer one changes nothing",
     {{S::send, 1, 0ms}, {S::send, 2, 200ms}, {S::grant, 2, 210ms}, {S::grant, 1, 220ms},
      {S::valid_at, 0, 699ms}, {S::invalid_at, 0, 700ms}}},
    {"a grant of a renewal never sent changes nothing",
     {{S::send, 1, 0ms}, {S::grant, 9, 5ms}, {S::invalid_at, 0, 5ms}}},
  };
  for (auto& sc : table) {
    BOOST_TEST_CONTEXT(sc.name) {
      holder_lease lease{lease_terms{}};
      for (auto& s : sc.steps) {
        switch (s.kind) {
          case step::send: lease.sent(s.seq, at(s.t)); break;
          case step::grant: lease.granted(s.seq); break;
          case step::valid_at: BOOST_CHECK(lease.valid(at(s.t))); break;
          case step::invalid_at: BOOST_CHECK(!lease.valid(at(s.t))); break;
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(only_recent_renewals_can_be_granted) {
  holder_lease lease{lease_terms{}};
  for (uint64_t seq = 1; seq <= 20; ++seq)
    lease.sent(seq, at(std::chrono::milliseconds(seq)));
  lease.granted(1); // forgotten: 16 renewals are kept
  BOOST_CHECK(!lease.deadline());
  lease.granted(20);
  BOOST_CHECK(lease.deadline() == at(520ms));
}

BOOST_AUTO_TEST_CASE(the_grantor_fails_over_after_any_holder_deadline) {
  lease_terms terms; // L 500 ms, drift 1e-3, stop grace 50 ms
  BOOST_CHECK(safe_failover_at(at(1000ms), terms) == at(1000ms + 500500us + 50ms));
  // Every renewal the holder can have had granted was sent before the last
  // grant (tg): whatever its send time, its deadline stretched by the drift
  // and followed by the child's stop ends before the failover.
  auto tg = at(1000ms);
  for (auto before : {0ms, 1ms, 100ms, 499ms, 999ms}) {
    holder_lease lease{terms};
    lease.sent(1, tg - before);
    lease.granted(1);
    auto held = *lease.deadline() - lease_time{};
    auto stretched = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double, std::nano>(held - (tg - before - lease_time{}))
      * (1.0 + terms.drift));
    auto real_end = tg - before + stretched + terms.stop_grace;
    BOOST_TEST_CONTEXT("renewal sent " << before.count() << " ms before the last grant") {
      BOOST_CHECK(real_end <= safe_failover_at(tg, terms));
    }
  }
}

BOOST_AUTO_TEST_CASE(epochs_only_grow) {
  struct row {
    const char* what;
    bool start; // else a renewal
    uint64_t epoch;
    bool admitted;
  };
  const row table[] = {
    {"a renewal before any start", false, 1, false},
    {"the first start", true, 1, true},
    {"its renewal", false, 1, true},
    {"the same epoch again", true, 1, false},
    {"a newer start", true, 3, true},
    {"an older start after it", true, 2, false},
    {"a renewal of the old epoch", false, 1, false},
    {"a renewal of the current one", false, 3, true},
    {"epoch 0 is never current", false, 0, false},
  };
  epoch_fence fence;
  for (auto& r : table) {
    BOOST_TEST_CONTEXT(r.what) {
      BOOST_CHECK_EQUAL(r.start ? fence.admit_start(r.epoch) : fence.admit_renewal(r.epoch),
                        r.admitted);
    }
  }
  BOOST_CHECK_EQUAL(fence.highest(), 3u);
}

BOOST_AUTO_TEST_SUITE_END()
