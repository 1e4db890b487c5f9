#include "supervise/tree.hpp"

#include <stdexcept>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "engine.hpp"
#include "incarnation.hpp"
#include "supervise/errc.hpp"

namespace supervise {

tree::tree(caf::actor_system& sys, runnable root, tree_options opts)
  : shared_(std::make_shared<detail::tree_shared>()) {
  if (!root)
    throw std::invalid_argument("supervise::tree: the root runnable is empty");
  if (auto err = opts.backoff.validate())
    throw std::invalid_argument("supervise::tree: " + detail_of(err));
  if (opts.stop_timeout.count() < 0)
    throw std::invalid_argument("supervise::tree: stop_timeout = "
                                + std::to_string(opts.stop_timeout.count()) + "ns: must be >= 0");
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
