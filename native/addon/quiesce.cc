#include "quiesce.h"

#include "background_job.h"
#include "reaper.h"
#include "serial_launcher.h"

namespace trtn {

int quiesce(std::function<int()> const& deviceSynchronize) {
  int rc;
  bool worked;
  do {
    worked = BackgroundJob::drainAll();
    worked = SerialLauncher::drainAll() || worked;
    worked = Reaper::drain() || worked;
    rc = deviceSynchronize();
  } while (worked || Reaper::pending());
  return rc;
}

}  // namespace trtn
