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
    case actors_errc::tls_files: return "tls_files";
    case actors_errc::refused: return "refused";
    case actors_errc::inspector_dropped: return "inspector_dropped";
  }
  return "unknown";
}

void name_category() {
  // Once per process; every factory and validate() calls it, so an error of
  // ours never reaches supervise::render unnamed.
  static const bool once = [] {
    add_category(category, "sv_actors", [](uint8_t code) {
      return to_string(static_cast<actors_errc>(code));
    });
    return true;
  }();
  (void) once;
}

} // namespace supervise::actors
