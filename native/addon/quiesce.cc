#include "quiesce.h"

#include "reaper.h"
#include "serial_launcher.h"

namespace trtn {

int quiesce(std::function<int()> const& deviceSynchronize) {
  int rc;
  bool worked;
  do {
    worked = SerialLauncher::drainAll();
    worked = Reaper::drain() || worked;
    rc = deviceSynchronize();
  } while (worked || Reaper::pending());
  return rc;
}

}  // namespace trtn
