#pragma once

#include "core/base/result.h"
#include "core/streams/connectionprofile.h"

#include <QString>

#include <vector>

namespace millrace {
class Store;
}

namespace millrace::streams {

/// The workspace setting (app_state key) naming the profile the Streams panel and the streams
/// service use; empty or unset means the embedded broker.
inline constexpr char kActiveProfileSetting[] = "streams.active_profile";

/// Connection profiles saved in the workspace database (table stream_profiles). Profiles hold no
/// secret; see ConnectionProfile. Reads run on the calling thread and writes wait for their
/// commit: call from worker threads and commands, never the GUI thread.
class ProfileStore
{
public:
    explicit ProfileStore(Store &store);

    /// Every profile, by name.
    Result<std::vector<ConnectionProfile>> list() const;
    /// The profile with `idOrName` (an id, or a name in any case); errorcode::kNotFound when
    /// there is none.
    Result<ConnectionProfile> find(const QString &idOrName) const;
    /// Saves `profile` after validating it: a new one (empty id) gets an id; an existing one is
    /// replaced. Fails with errorcode::kAlreadyExists when another profile has the name.
    Result<ConnectionProfile> save(ConnectionProfile profile);
    /// Removes a profile; the active setting falls back to the embedded broker if it was the
    /// active one. The caller removes its keychain entry.
    Result<void> remove(const QString &id);

    /// The active profile's id, or empty for the embedded broker.
    Result<QString> activeProfileId() const;
    /// Makes `id` (empty: the embedded broker) the active profile.
    Result<void> setActiveProfileId(const QString &id);

private:
    Store &m_store;
};

} // namespace millrace::streams
