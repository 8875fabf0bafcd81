#include "app/gui.h"

#include "app/applog.h"
#include "app/commandline.h"
#include "app/unixsignals.h"
#include "core/base/job.h"
#include "core/pipeline/pipelineoperators.h"
#include "core/plugins/pluginmanager.h"
#include "core/workspace/session.h"
#include "ui/mainwindow/mainwindow.h"

#include <QApplication>
#include <QMessageBox>

#include <memory>

int runGui(const Invocation &invocation, millrace::LogBus *logBus)
{
    millrace::ui::MainWindow window(logBus);
    window.show();

    // Logging out or `kill` ends the app as closing the window does: layout saved, writes
    // drained, workspace released.
    UnixSignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &UnixSignalWatcher::terminationRequested, &window,
                     [&window](int signalNumber) {
                         qCInfo(lcApp) << "signal" << signalNumber << "received, closing";
                         window.close();
                         QApplication::quit();
                     });

    // Opening a workspace migrates its database and loads plugins: never on the GUI thread.
    std::shared_ptr<millrace::Session> session;
    int exitCode = ExitOk;
    auto *opening = millrace::Job::start(
        QStringLiteral("open workspace"),
        [workspace = invocation.workspace,
         trackingPort = invocation.trackingPort](millrace::JobContext &) -> QVariant {
            millrace::SessionOptions options;
            options.pluginDirs = millrace::PluginManager::defaultSearchPaths();
            options.trackingPort = trackingPort;
            options.installExampleDags = true;
            auto opened = millrace::Session::open(workspace, options);
            if (!opened)
                throw std::runtime_error(opened.errorMessage().toStdString());
            millrace::pipeline::installPipelineOperators(**opened);
            return QVariant::fromValue(
                std::shared_ptr<millrace::Session>(std::move(opened).value()));
        },
        &window);
    window.showOpening(invocation.workspace);
    QObject::connect(opening, &millrace::Job::succeeded, &window, [&](const QVariant &value) {
        session = value.value<std::shared_ptr<millrace::Session>>();
        session->startServices();
        window.attachSession(*session);
    });
    QObject::connect(opening, &millrace::Job::failed, &window, [&](const QString &message) {
        qCCritical(lcApp).noquote() << message;
        QMessageBox::critical(&window, QStringLiteral("Millrace"),
                              QStringLiteral("Cannot open the workspace:\n%1").arg(message));
        exitCode = ExitFailure;
        QApplication::quit();
    });

    const int loopCode = QApplication::exec();
    opening->waitForFinished();
    window.detachSession();
    session.reset();
    return exitCode != ExitOk ? exitCode : loopCode;
}
