// observer.cpp — the observer's defaults: it sees nothing until overridden.
#include "supervise/observer.hpp"

namespace supervise {

observer::~observer() = default;

void observer::on_event(const event&) {
  // nothing: an observer overrides what it wants
}

void observer::on_state(const std::string&, node_state) {
  // nothing: an observer overrides what it wants
}

} // namespace supervise
