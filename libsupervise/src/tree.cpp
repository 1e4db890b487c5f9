#include "supervise/tree.hpp"

#include <stdexcept>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "bounded_wait.hpp"
#include "engine/spawn.hpp"
#include "incarnation.hpp"
#include "option_problems.hpp"
#include "supervise/errc.hpp"

namespace supervise {

caf::error tree_options::validate() const {
  detail::option_problems out;
  detail::check(*this, out);
  return out.error("tree_options");
}

void detail::check(const tree_options& x, option_problems& out) {
  check(x.backoff, out, "backoff.");
  out.non_negative("stop_timeout", x.stop_timeout, " (0: kill at once)");
  check_observers(x.observers, out);
}

tree::tree(caf::actor_system& sys, runnable root, tree_options opts)
  : shared_(std::make_shared<detail::tree_shared>()) {
  if (!root)
    throw std::invalid_argument("supervise::tree: the root runnable is empty");
  if (auto err = opts.validate())
    throw std::invalid_argument("supervise::tree: " + detail_of(err));
  sup_ = detail::spawn_tree_engine(sys, std::move(root), std::move(opts), shared_);
}

tree::~tree() {
  stop();
  wait();
}

void tree::stop() {
  if (!stopped())
    caf::anon_send<caf::message_priority::high>(sup_, detail::stop_atom::value);
}

namespace {

// wait() and wait_for(): the end of the tree, up to `d` (none: forever);
// nullopt when it still runs at the deadline. Inside an event hook the tree
// could never end (its engine runs the hook): would_deadlock.
std::optional<caf::error> await_end(detail::tree_shared& sh,
                                    std::optional<std::chrono::nanoseconds> d, const char* who) {
  if (detail::inside_hook())
    return make_error(errc::would_deadlock, std::string{who} + " inside an event hook");
  std::unique_lock<std::mutex> guard{sh.mtx};
  if (!detail::bounded_wait(sh.cv, guard, d, [&sh] { return sh.finished; }))
    return std::nullopt;
  return sh.final_error;
}

} // namespace

caf::error tree::wait() {
  return *await_end(*shared_, std::nullopt, "tree::wait");
}

std::optional<caf::error> tree::wait_for(std::chrono::nanoseconds d) {
  return await_end(*shared_, d, "tree::wait_for");
}

std::vector<std::string> tree::unstopped() const {
  std::lock_guard<std::mutex> guard{shared_->mtx};
  return shared_->unstopped;
}

bool tree::stopped() const {
  std::lock_guard<std::mutex> guard{shared_->mtx};
  return shared_->finished;
}

} // namespace supervise
