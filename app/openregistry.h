#pragma once

#include "core/base/result.h"

#include <QString>

#include <memory>

namespace millrace {
class Store;
class Workspace;
namespace registry {
class RegistryStore;
}
namespace tracking {
class TrackingStore;
}
} // namespace millrace

/// The model registry over a workspace, for commands: read-only (works while the app holds the
/// workspace) or taken over for writing.
struct OpenRegistry
{
    OpenRegistry();
    OpenRegistry(OpenRegistry &&) noexcept;
    ~OpenRegistry();

    std::unique_ptr<millrace::Workspace> workspace; ///< when writing
    std::unique_ptr<millrace::Store> readOnly;      ///< when reading
    std::unique_ptr<millrace::tracking::TrackingStore> tracking;
    std::unique_ptr<millrace::registry::RegistryStore> registry;
};

/// Opens the registry of the workspace at `root`; for writing it takes the workspace, and says
/// so when the app holds it.
millrace::Result<OpenRegistry> openRegistry(const QString &root, bool forWriting);
