// millrace: the GUI by default, --headless for the services alone, or one command.

#include "app/commandline.h"
#include "app/gui.h"
#include "app/headless.h"
#include "core/base/logbus.h"
#include "core/ml/torchruntime.h"

#include <QApplication>
#include <QCoreApplication>
#include <QLoggingCategory>
#include <QTextStream>

#include <sqlite3.h>

#include <memory>

namespace {

QString versionText()
{
    const millrace::ml::TorchRuntimeInfo torch = millrace::ml::torchRuntimeInfo();
    return QStringLiteral("millrace %1 (Qt %2, LibTorch %3%4 on %5, SQLite %6)\n")
        .arg(QStringLiteral(MILLRACE_VERSION), QLatin1String(qVersion()),
             QString::fromStdString(torch.version),
             torch.cudaAvailable ? QStringLiteral(" with CUDA") : QString(),
             QString::fromStdString(torch.blas), QLatin1String(sqlite3_libversion()));
}

void setApplicationIdentity()
{
    QCoreApplication::setOrganizationName(QStringLiteral("Millrace"));
    QCoreApplication::setApplicationName(QStringLiteral("millrace"));
    QCoreApplication::setApplicationVersion(QStringLiteral(MILLRACE_VERSION));
}

} // namespace

int main(int argc, char **argv)
{
    millrace::ml::keepBlasToOneThread();
    setApplicationIdentity();
    std::unique_ptr<QCoreApplication> app;
    if (wantsGui(argc, argv)) {
        QApplication::setDesktopFileName(QStringLiteral("org.millrace.Millrace"));
        app = std::make_unique<QApplication>(argc, argv);
    } else {
        app = std::make_unique<QCoreApplication>(argc, argv);
    }
    // Before anything logs, so the log dock sees start-up too.
    millrace::LogBus logBus;

    const Invocation invocation = parseCommandLine(QCoreApplication::arguments());
    switch (invocation.mode) {
    case Invocation::Mode::Help:
        QTextStream(stdout) << helpText();
        return ExitOk;
    case Invocation::Mode::Version:
        QTextStream(stdout) << versionText();
        return ExitOk;
    case Invocation::Mode::UsageError:
        QTextStream(stderr) << "millrace: " << invocation.error << "\n"
                            << "Run 'millrace --help' for usage.\n";
        return ExitUsage;
    case Invocation::Mode::Command:
        // A command's output is its answer; the services' progress notes would only clutter it.
        QLoggingCategory::setFilterRules(
            QStringLiteral("millrace.*.debug=false\nmillrace.*.info=false"));
        return runCommand(invocation);
    case Invocation::Mode::Headless:
        return runHeadless(invocation);
    case Invocation::Mode::Gui:
        return runGui(invocation, &logBus);
    }
    return ExitFailure;
}
