// supervisor.cpp — the handle side of a supervisor's life: construction,
// start, stop and the waits for its end. Its children (registration, OTP's
// child calls, removal, listings) are in supervisor_children.cpp. Every
// decision about children is the engine's; the handle only validates,
// records and forwards.
#include "supervise/supervisor.hpp"

#include <atomic>
#include <stdexcept>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "bounded_wait.hpp"
#include "engine/spawn.hpp"
#include "incarnation.hpp" // the engine protocol's atoms
#include "name.hpp"
#include "supervise/errc.hpp"
#include "supervisor_shared.hpp"

namespace supervise {

namespace {

std::atomic<uint32_t> next_supervisor_id{1};

} // namespace

supervisor::supervisor(caf::actor_system& sys, std::string name, spec s) {
  if (auto err = detail::validate_name(name))
    throw std::invalid_argument("supervise::supervisor: invalid name \"" + name + "\"");
  if (auto err = s.validate())
    throw std::invalid_argument("supervise::supervisor " + name + ": " + detail_of(err));
  // One name per setting from here on: a value assigned through a deprecated
  // name wins (spec::effective_*) and moves to the new name. The old names
  // are left unassigned (config() copies then follow the new names) but read
  // the same value, for readers not yet moved to the new names.
  s.stop_timeout = s.effective_stop_timeout();
  s.propagate_exceptions = s.effective_propagate_exceptions();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  s.timeout.shadow(s.stop_timeout);
  s.pass_through_exceptions.shadow(s.propagate_exceptions);
#pragma GCC diagnostic pop
  shared_ = std::make_shared<detail::supervisor_shared>(sys, next_supervisor_id++,
                                                        std::move(name), std::move(s));
}

supervisor::~supervisor() {
  bool standalone;
  {
    std::lock_guard<std::mutex> guard{shared_->mtx};
    standalone = shared_->phase == detail::run_phase::standalone;
  }
  if (standalone) {
    stop();
    wait();
  }
}

const std::string& supervisor::name() const noexcept { return shared_->name; }

const spec& supervisor::config() const noexcept { return shared_->sp; }

caf::error supervisor::start(std::chrono::nanoseconds wait_up) {
  if (wait_up.count() > 0 && detail::inside_hook())
    return make_error(errc::would_deadlock, "supervisor::start inside an event hook");
  {
    std::lock_guard<std::mutex> guard{shared_->mtx};
    switch (shared_->phase) {
      case detail::run_phase::standalone:
      case detail::run_phase::hosted:
        return make_error(errc::already_started, shared_->name);
      case detail::run_phase::finished:
        return make_error(errc::not_running, shared_->name + " has ended: supervisors are "
                                                             "single-use when standalone");
      case detail::run_phase::idle:
        break;
    }
    shared_->phase = detail::run_phase::standalone;
    shared_->ever_ran = true;
    shared_->initial_upto = shared_->next_service;
    shared_->initial_up = false;
    // Spawning under the lock: the engine takes the lock only when it runs,
    // and adds made meanwhile are seen either in its initial registry walk
    // or through their message (on_add ignores a service already started).
    shared_->engine = detail::spawn_supervisor_engine(shared_->sys, shared_);
  }
  if (wait_up.count() == 0)
    return {};
  std::unique_lock<std::mutex> guard{shared_->mtx};
  if (!shared_->cv.wait_for(guard, wait_up, [this] {
        return shared_->initial_up || shared_->phase == detail::run_phase::finished;
      }))
    return make_error(errc::timeout, shared_->name + ": children not all up yet");
  if (shared_->phase == detail::run_phase::finished && shared_->final_error == errc::start_failed)
    return shared_->final_error;
  return {};
}

caf::error supervisor::stop() {
  caf::actor engine;
  {
    std::lock_guard<std::mutex> guard{shared_->mtx};
    if (shared_->phase == detail::run_phase::hosted)
      return make_error(errc::not_standalone, shared_->name);
    if (auto err = shared_->check_running_locked())
      return err;
    engine = shared_->engine;
  }
  caf::anon_send<caf::message_priority::high>(engine, detail::stop_atom::value);
  return {};
}

namespace {

// wait() and wait_for(): the end of a standalone run, up to `d` (none:
// forever); nullopt when it still runs at the deadline.
std::optional<caf::error> await_end(detail::supervisor_shared& sh,
                                    std::optional<std::chrono::nanoseconds> d, const char* who) {
  if (detail::inside_hook())
    return make_error(errc::would_deadlock, std::string{who} + " inside an event hook");
  std::unique_lock<std::mutex> guard{sh.mtx};
  if (sh.phase == detail::run_phase::hosted)
    return make_error(errc::not_standalone, sh.name);
  if (sh.phase == detail::run_phase::idle)
    return make_error(errc::not_started, sh.name);
  auto ended = [&sh] { return sh.phase == detail::run_phase::finished; };
  if (!detail::bounded_wait(sh.cv, guard, d, ended))
    return std::nullopt;
  return sh.final_error;
}

} // namespace

caf::error supervisor::wait() {
  return *await_end(*shared_, std::nullopt, "supervisor::wait");
}

std::optional<caf::error> supervisor::wait_for(std::chrono::nanoseconds d) {
  return await_end(*shared_, d, "supervisor::wait_for");
}

bool supervisor::stopped() const {
  std::lock_guard<std::mutex> guard{shared_->mtx};
  return shared_->phase == detail::run_phase::finished;
}

caf::expected<std::vector<unstopped_child>> supervisor::unstopped_report() const {
  std::lock_guard<std::mutex> guard{shared_->mtx};
  switch (shared_->phase) {
    case detail::run_phase::finished:
      return shared_->report;
    case detail::run_phase::standalone:
      return make_error(errc::still_running, shared_->name);
    case detail::run_phase::hosted:
      return make_error(errc::not_standalone, shared_->name);
    case detail::run_phase::idle:
      break;
  }
  return make_error(errc::not_started, shared_->name);
}

runnable supervisor::as_runnable() {
  return runnable::event_based(
    [shared = shared_](caf::event_based_actor* self, context& ctx) -> caf::behavior {
      return detail::host_supervisor(self, ctx, shared);
    });
}

caf::actor supervisor::actor() const {
  std::lock_guard<std::mutex> guard{shared_->mtx};
  return shared_->engine;
}

} // namespace supervise
