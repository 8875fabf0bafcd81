#include "app/openregistry.h"

#include "core/registry/registrystore.h"
#include "core/store/schema.h"
#include "core/store/store.h"
#include "core/tracking/trackingstore.h"
#include "core/workspace/workspace.h"

#include <QDir>

using namespace millrace;

OpenRegistry::OpenRegistry() = default;
OpenRegistry::OpenRegistry(OpenRegistry &&) noexcept = default;
OpenRegistry::~OpenRegistry() = default;

Result<OpenRegistry> openRegistry(const QString &root, bool forWriting)
{
    OpenRegistry open;
    Store *store = nullptr;
    if (forWriting) {
        auto workspace = Workspace::open(root);
        if (!workspace)
            return fail(workspace.errorMessage()
                        + QStringLiteral(" (while the app has the workspace open, change the "
                                         "registry there or through its MLflow REST API)"));
        open.workspace = std::move(workspace).value();
        store = &open.workspace->store();
    } else {
        auto readOnly = Store::openReadOnly(QDir(root).filePath(QStringLiteral("millrace.db")),
                                            millraceMigrations(), kMillraceApplicationId);
        if (!readOnly)
            return readOnly.error();
        open.readOnly = std::move(readOnly).value();
        store = open.readOnly.get();
    }
    open.tracking = std::make_unique<tracking::TrackingStore>(
        *store, QDir(root).filePath(QStringLiteral("artifacts")));
    open.registry = std::make_unique<registry::RegistryStore>(
        *store, *open.tracking, QDir(root).filePath(QStringLiteral("models")));
    return open;
}
