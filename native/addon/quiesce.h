// Waiting until nothing is left anywhere, for runtime.synchronize() and the simulator's synchronize(). Work moves
// between four places: background jobs (background_job.h) make engines and contexts whose release goes to the
// reaper, launcher threads (serial_launcher.h) queue GPU work, whose completions can post releases to the reaper
// (reaper.h), whose releases free memory in stream order on the device. One pass over each can miss work another
// created behind it, so passes repeat until one finds nothing.
#pragma once

#include <functional>

namespace trtn {

// Blocks until no background job, launcher task or release is pending and `deviceSynchronize` (a
// cudaDeviceSynchronize with the right device current) has returned after the last of them. Returns that call's last
// CUDA status.
int quiesce(std::function<int()> const& deviceSynchronize);

}  // namespace trtn
