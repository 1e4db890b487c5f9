// simulation/substitute_bodies.cpp — see substitute_bodies.hpp.
#include "simulation/substitute_bodies.hpp"

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include <caf/all.hpp>

#include "event_runnable_actor.hpp"
#include "incarnation.hpp"
#include "simulated_wait.hpp"

namespace supervise::simulation::detail {

namespace {

using sim_go_atom = caf::atom_constant<caf::atom("sim_go")>;
using supervise::detail::incarnation;

// Thrown from a wait of a body whose actor is gone: unwinds it.
struct abandoned {};

// One blocking body on its own thread, run only in turns: resume() lets it
// run until it waits or returns, while the caller (the simulation's thread)
// blocks. So the body's sends and the simulation's steps never overlap.
class lockstep final : public supervise::detail::simulated_waits {
public:
  explicit lockstep(std::function<caf::error()> body) : body_(std::move(body)) {}
  ~lockstep() override { abandon(); }

  // Simulation side: runs the body to its next wait; true once it returned.
  bool resume() {
    std::unique_lock<std::mutex> guard{mtx_};
    if (ended_)
      return true;
    body_turn_ = true;
    if (!thread_.joinable())
      thread_ = std::thread{[this] { main(); }};
    else
      cv_.notify_all();
    cv_.wait(guard, [this] { return !body_turn_; });
    return ended_;
  }

  // The wait the body is in: its length; nullopt without a limit.
  std::optional<caf::timespan> parked_for() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return wait_;
  }

  caf::error result() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return result_;
  }

  // Simulation side, when the actor ends: a waiting body throws out of its
  // wait; then its thread is joined.
  void abandon() {
    std::unique_lock<std::mutex> guard{mtx_};
    if (thread_.joinable() && !ended_) {
      abandoned_ = true;
      body_turn_ = true;
      cv_.notify_all();
      cv_.wait(guard, [this] { return ended_; });
    }
    guard.unlock();
    if (thread_.joinable())
      thread_.join();
  }

  // Body side: context::wait_for_stop() on this thread.
  bool wait(const incarnation& inc, std::optional<std::chrono::nanoseconds> d) override {
    if (inc.stop.load(std::memory_order_acquire))
      return true;
    std::unique_lock<std::mutex> guard{mtx_};
    if (abandoned_)
      throw abandoned{};
    wait_ = d;
    body_turn_ = false;
    cv_.notify_all();
    cv_.wait(guard, [this] { return body_turn_; });
    if (abandoned_)
      throw abandoned{};
    return inc.stop.load(std::memory_order_acquire);
  }

private:
  void main() {
    supervise::detail::simulated_wait = this;
    caf::error r;
    try {
      r = body_();
    } catch (const abandoned&) {
      r = caf::exit_reason::kill; // its actor is gone already: nobody reads it
    } catch (...) {
      r = supervise::detail::exception_to_error(std::current_exception());
    }
    body_ = nullptr; // what the body captured goes with the run
    std::lock_guard<std::mutex> guard{mtx_};
    result_ = std::move(r);
    ended_ = true;
    body_turn_ = false;
    cv_.notify_all();
  }

  std::function<caf::error()> body_;
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  bool body_turn_ = false; // the body runs; the simulation waits
  bool ended_ = false;
  bool abandoned_ = false;
  std::optional<caf::timespan> wait_;
  caf::error result_;
  std::thread thread_;
};

} // namespace

runnable failing_init(caf::error why) {
  return runnable::event_based([why](caf::event_based_actor* self, context&) -> caf::behavior {
    self->quit(why);
    return {};
  });
}

runnable delayed_init(const runnable& body, caf::timespan delay,
                      std::shared_ptr<incarnation> inc) {
  return runnable::event_based([fn = body.event_body(), delay, inc](
                                 caf::event_based_actor* self, context& ctx) -> caf::behavior {
    supervise::detail::init_defers_up = true;
    self->set_default_handler(caf::skip);
    self->delayed_send(self, delay, sim_go_atom::value);
    return {[fn, inc, self, c = &ctx](sim_go_atom) {
      self->set_default_handler(caf::print_and_drop);
      auto b = fn(self, *c); // a throw ends the actor as a throwing init does
      if (!b) { // it quit in its init, or has nothing to do: it ends
        self->unbecome();
        return;
      }
      self->become(std::move(b));
      if (inc->reports)
        supervise::detail::report_up(*inc);
    }};
  });
}

runnable lockstep_blocking(const runnable& blocking) {
  return runnable::event_based([fn = blocking.blocking_body()](
                                 caf::event_based_actor* self, context& ctx) -> caf::behavior {
    auto body = std::make_shared<lockstep>([fn, c = &ctx] { return fn(*c); });
    auto token = std::make_shared<uint64_t>(0); // names the current wait
    self->attach_functor([body] { body->abandon(); });
    auto step = [self, body, token] {
      ++*token;
      if (body->resume()) {
        self->quit(body->result());
        return;
      }
      if (auto d = body->parked_for())
        self->delayed_send(self, *d, sim_wake_atom::value, *token);
    };
    step();
    return {
      [step, token](sim_wake_atom, uint64_t t) {
        if (t == *token) // else a wait that a stop ended early
          step();
      },
      [step](sim_stop_atom) { step(); },
    };
  });
}

} // namespace supervise::simulation::detail
