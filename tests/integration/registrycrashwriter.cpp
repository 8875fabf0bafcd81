// Child process for tst_registrycrash: registers versions of one model from one run, as fast as
// it can, printing "READY <version>" for each registration that returned READY. The parent kills
// it with SIGKILL at a moment of its choosing, often in the middle of copying a version's files.
//
// usage: registry_crash_writer <workspace> <run id>

#include "core/registry/registrystore.h"
#include "core/tracking/trackingstore.h"
#include "core/workspace/workspace.h"

#include <QCoreApplication>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc != 3) {
        std::fprintf(stderr, "usage: registry_crash_writer <workspace> <run id>\n");
        return 2;
    }
    auto workspace = millrace::Workspace::open(QString::fromLocal8Bit(argv[1]));
    if (!workspace) {
        std::fprintf(stderr, "%s\n", qPrintable(workspace.errorMessage()));
        return 1;
    }
    millrace::tracking::TrackingStore tracking((*workspace)->store(), (*workspace)->artifactsDir());
    millrace::registry::RegistryStore registry((*workspace)->store(), tracking,
                                               (*workspace)->modelsDir());
    const QString source = QStringLiteral("runs:/%1/model").arg(QString::fromLocal8Bit(argv[2]));
    for (;;) {
        auto version =
            registry.createModelVersion({QStringLiteral("crash"), source, {}, {}, {}, {}},
                                        {QStringLiteral("crash writer"), QString()});
        if (!version) {
            std::fprintf(stderr, "%s\n", qPrintable(version.errorMessage()));
            return 1;
        }
        if (version->status != millrace::registry::VersionStatus::Ready) {
            std::fprintf(stderr, "version %lld is not READY: %s\n", version->version,
                         qPrintable(version->statusMessage));
            return 1;
        }
        std::printf("READY %lld\n", version->version);
        std::fflush(stdout);
    }
}
