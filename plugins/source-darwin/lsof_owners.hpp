#pragma once
/// @file lsof_owners.hpp
/// Owners for the sockets netstat lists without one: netstat layouts without the
/// `process:pid` column give no pid (or a pid without a name), while `lsof -n -P -i` names
/// the process of every socket it may see. Pure: joins parsed lsof output into a sample.

#include <cstddef>
#include <cstdint>
#include <map>
#include <sstop/model.hpp>
#include <string>
#include <vector>

#include "lsof_parser.hpp"

namespace sstop::plugins::darwin {

/// True when netstat left an owner unknown: a socket with pid 0, or an owner in `owners`
/// (pid → name) without a name. Only then is lsof worth running.
bool owners_incomplete(const std::vector<sstop::SocketObs>& sockets,
                       const std::map<std::int32_t, std::string>& owners);

/// Gives each socket of `sockets` whose owner pid is 0 the pid lsof lists for a socket of the
/// same protocol with the same local and remote ends (lsof sockets without numeric ends are
/// ignored), adds that owner's command to `owners`, and fills the empty names in `owners`
/// from lsof's commands. A socket lsof does not list (another user's, without root; or one
/// that closed in between) keeps pid 0. Returns the number of sockets given an owner.
std::size_t fill_owners_from_lsof(std::vector<sstop::SocketObs>& sockets,
                                  std::map<std::int32_t, std::string>& owners,
                                  const LsofParse& lsof);

}  // namespace sstop::plugins::darwin
