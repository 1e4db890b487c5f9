#include "supervise/actors/errc.hpp"

#include "supervise/errc.hpp"

namespace supervise::actors {

const char* to_string(actors_errc x) noexcept {
  switch (x) {
    case actors_errc::none: return "none";
    case actors_errc::exited: return "exited";
    case actors_errc::killed_by_signal: return "killed_by_signal";
    case actors_errc::spawn_failed: return "spawn_failed";
    case actors_errc::bind_failed: return "bind_failed";
    case actors_errc::connect_failed: return "connect_failed";
    case actors_errc::connection_lost: return "connection_lost";
    case actors_errc::not_running: return "not_running";
    case actors_errc::served_actor_down: return "served_actor_down";
  }
  return "unknown";
}

std::string detail_of(const caf::error& err) {
  if (err.category() != category || err.context().empty())
    return {};
  if (err.context().match_elements<std::string>())
    return err.context().get_as<std::string>(0);
  return {};
}

std::string render(const caf::error& err) {
  if (!err || err.category() != category)
    return supervise::render(err);
  std::string out = "sv_actors::";
  out += to_string(static_cast<actors_errc>(err.code()));
  auto what = detail_of(err);
  if (!what.empty()) {
    out += "(\"";
    out += what;
    out += "\")";
  }
  return out;
}

} // namespace supervise::actors
