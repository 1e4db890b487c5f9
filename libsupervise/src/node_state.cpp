#include "supervise/node_state.hpp"

namespace supervise {

const char* to_string(node_state x) noexcept {
  switch (x) {
    case node_state::new_: return "NEW";
    case node_state::healthy: return "HEALTHY";
    case node_state::dead: return "DEAD";
    case node_state::done: return "DONE";
    case node_state::canceled: return "CANCELED";
  }
  return "UNKNOWN";
}

} // namespace supervise
