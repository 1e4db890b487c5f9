// simulation/stepping.cpp — see stepping.hpp.
#include "simulation/stepping.hpp"

#include <caf/abstract_actor.hpp>
#include <caf/resumable.hpp>

namespace supervise::simulation::detail {

stepping::stepping(caf::scheduler::test_coordinator& sched, bool interleave, uint64_t seed,
                   const environment* env)
  : sched_(sched), t0_(sched.clock().current_time), interleave_(interleave), order_(seed),
    env_(env) {}

std::optional<caf::timespan> stepping::next_timer() const {
  if (!sched_.clock().has_pending_timeout())
    return std::nullopt;
  return sched_.clock().schedule().begin()->first - t0_;
}

void stepping::advance_to(caf::timespan t) {
  if (t > now())
    sched_.advance_time(t - now());
  else
    sched_.trigger_timeout();
}

void stepping::move_to(caf::timespan t) {
  if (t > now())
    sched_.advance_time(t - now());
}

void stepping::settle() {
  if (!interleave_ && !(env_ && env_->holding())) {
    sched_.run();
    return;
  }
  auto& jobs = sched_.jobs;
  for (;;) {
    ready_.clear();
    for (size_t i = 0; i < jobs.size(); ++i)
      if (!held(jobs[i]))
        ready_.push_back(i);
    if (ready_.empty())
      return;
    auto pick = interleave_ ? order_() % ready_.size() : 0;
    auto i = static_cast<ptrdiff_t>(ready_[pick]);
    auto* job = jobs[i];
    jobs.erase(jobs.begin() + i);
    jobs.push_front(job);
    sched_.try_run_once();
  }
}

bool stepping::held(caf::resumable* job) const {
  if (!env_ || !env_->holding())
    return false;
  auto* a = dynamic_cast<caf::abstract_actor*>(job);
  return a != nullptr && env_->holds(*a);
}

} // namespace supervise::simulation::detail
