#include "supervise/tree.hpp"

#include <stdexcept>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

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

caf::error tree::wait() {
  if (detail::inside_hook())
    return make_error(errc::would_deadlock, "tree::wait inside an event hook");
  std::unique_lock<std::mutex> guard{shared_->mtx};
  shared_->cv.wait(guard, [this] { return shared_->finished; });
  return shared_->final_error;
}

std::optional<caf::error> tree::wait_for(std::chrono::nanoseconds d) {
  std::unique_lock<std::mutex> guard{shared_->mtx};
  if (!shared_->cv.wait_for(guard, d, [this] { return shared_->finished; }))
    return std::nullopt;
  return shared_->final_error;
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
