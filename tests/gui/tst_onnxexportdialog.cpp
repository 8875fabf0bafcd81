// The Export to ONNX dialog as a user meets it: a real image-cnn model (the built-in plugin)
// registered from a run, selected in the Registry panel of the main window and exported through
// the panel's Export to ONNX action. The export that works (opset, size, checker verdict, files,
// full progress), weights truncated on disk (the error named, nothing written), and an export
// cancelled while it waits for a worker thread (nothing written); the README screenshot. Every
// wait is for something a user would see, never a fixed time.

#include "guitestsupport.h"

#include "core/ml/model.h"
#include "core/ml/onnxexport.h"
#include "core/plugins/pluginmanager.h"
#include "core/registry/registrystore.h"
#include "core/tracking/trackingstore.h"
#include "core/training/pluginarchitectures.h"
#include "core/workspace/session.h"
#include "ui/dialogs/onnxexportdialog.h"
#include "ui/mainwindow/mainwindow.h"
#include "ui/panels/registry/versiontablemodel.h"

#include <QAction>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSemaphore>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTableView>
#include <QTest>
#include <QTextDocument>
#include <QThreadPool>
#include <QToolBar>

#include <memory>

using millrace::ui::MainWindow;
using millrace::ui::OnnxExportDialog;
using millrace::ui::VersionTableModel;
using namespace millrace;
using namespace millrace::testing;
using namespace Qt::StringLiterals;

namespace {

/// The Registry entry's row in the sidebar.
constexpr int kRegistryRow = 3;
const QString kModel = u"fashion-cnn"_s;
/// Exports run LibTorch on a worker; two shared cores can be slow.
constexpr int kExportTimeout = 120000;

/// A workspace with the built-in model plugins and `fashion-cnn` version 1: a small untrained
/// image-cnn for 28x28 images of 10 classes, saved into a run's `model/` folder and registered
/// from there, as a training job and the Register action leave it.
struct RegisteredCnn
{
    QTemporaryDir dir;
    std::unique_ptr<Session> session;
    QString versionDirectory;

    bool setUp()
    {
        if (!dir.isValid())
            return false;
        SessionOptions options;
        options.trackingServer = false;
        options.pluginDirs = PluginManager::defaultSearchPaths();
        auto opened = Session::open(dir.filePath(u"workspace"_s), options);
        if (!opened) {
            qWarning().noquote() << opened.errorMessage();
            return false;
        }
        session = std::move(opened).value();

        const ml::ArchitectureLookup architectures =
            training::pluginArchitectures(session->plugins());
        const ml::Architecture *cnn = architectures("image-cnn");
        if (!cnn) {
            qWarning() << "the image-cnn plugin did not load from"
                       << PluginManager::defaultSearchPaths();
            return false;
        }
        ml::ModelSignature signature;
        signature.sampleShape = {28, 28};
        signature.task = ml::TaskKind::Classification;
        signature.outputs = 10;
        signature.classNames = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
        const ml::Hyperparameters small{{"conv_layers", std::int64_t(1)},
                                        {"base_width", std::int64_t(4)},
                                        {"hidden_units", std::int64_t(16)}};
        auto model = ml::Model::create(*cnn, small, signature, 7);
        if (!model) {
            qWarning().noquote() << QString::fromStdString(model.error().message);
            return false;
        }

        tracking::TrackingStore &tracking = session->tracking();
        auto experiment = tracking.createExperiment(u"fashion-mnist-cnn"_s);
        if (!experiment)
            return false;
        const qint64 start = QDateTime::currentMSecsSinceEpoch() - 60000;
        auto run = tracking.createRun(*experiment, u"ada"_s, u"initial_model"_s, start, {});
        if (!run)
            return false;
        auto artifacts = tracking.runArtifactDirectory(run->info.runId);
        if (!artifacts)
            return false;
        auto saved = model->save(QDir(*artifacts).filePath(u"model"_s).toStdString());
        if (!saved) {
            qWarning().noquote() << QString::fromStdString(saved.error().message);
            return false;
        }
        if (!tracking.updateRun(run->info.runId, tracking::RunStatus::Finished, start + 30000))
            return false;

        registry::RegistryStore &models = session->registry();
        if (!models.createRegisteredModel(kModel, u"CNN on Fashion-MNIST"_s))
            return false;
        registry::NewModelVersion request;
        request.name = kModel;
        request.source = u"runs:/%1/model"_s.arg(run->info.runId);
        auto version = models.createModelVersion(request, {u"ada (Millrace UI)"_s, QString()});
        if (!version) {
            qWarning().noquote() << version.errorMessage();
            return false;
        }
        if (version->version != 1 || version->status != registry::VersionStatus::Ready
            || version->directory.isEmpty()) {
            qWarning().noquote() << "version" << version->version
                                 << "is not READY with files:" << version->statusMessage;
            return false;
        }
        versionDirectory = version->directory;
        return true;
    }
};

/// Fills every thread of `pool` with a task that waits until release() (or destruction), so a
/// task started meanwhile waits in the queue: an export that has not begun yet, for as long as
/// the test needs, without timing. The tasks share the semaphores, so they may finish after the
/// blocker is gone.
class PoolBlocker
{
public:
    explicit PoolBlocker(QThreadPool &pool) : m_count(pool.maxThreadCount())
    {
        for (int i = 0; i < m_count; ++i) {
            pool.start([running = m_running, release = m_release] {
                running->release();
                release->acquire();
            });
        }
    }
    ~PoolBlocker() { release(); }
    PoolBlocker(const PoolBlocker &) = delete;
    PoolBlocker &operator=(const PoolBlocker &) = delete;

    /// Whether every thread of the pool runs one of the blocking tasks (waiting for tasks the
    /// pool ran before to finish).
    bool blocking() { return m_running->tryAcquire(m_count, 30000); }
    void release()
    {
        if (!m_released)
            m_release->release(m_count);
        m_released = true;
    }

private:
    const int m_count;
    std::shared_ptr<QSemaphore> m_running = std::make_shared<QSemaphore>();
    std::shared_ptr<QSemaphore> m_release = std::make_shared<QSemaphore>();
    bool m_released = false;
};

/// The message handler before dropSizeHintWarning().
QtMessageHandler previousHandler = nullptr;

/// Drops the offscreen platform's warning that it cannot propagate size hints (not the app's
/// doing; it comes whenever the dialog's minimum size changes) and passes on everything else.
void dropSizeHintWarning(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (type == QtWarningMsg && message == "This plugin does not support propagateSizeHints()"_L1)
        return;
    previousHandler(type, context, message);
}

/// A label's rich text as the user reads it.
QString plainText(const QLabel *label)
{
    QTextDocument document;
    document.setHtml(label->text());
    return document.toPlainText();
}

/// The row of version `version` in the version table, or -1.
int rowOfVersion(const QTableView *view, qint64 version)
{
    for (int row = 0; row < view->model()->rowCount(); ++row) {
        if (view->model()->index(row, 0).data(VersionTableModel::VersionRole).toLongLong()
            == version)
            return row;
    }
    return -1;
}

/// The widgets of the dialog the tests use.
struct DialogWidgets
{
    QLineEdit *directory = nullptr;
    QSpinBox *opset = nullptr;
    QProgressBar *progress = nullptr;
    QLabel *step = nullptr;
    QLabel *result = nullptr;
    QPushButton *exportButton = nullptr;
    QPushButton *cancelButton = nullptr;

    explicit DialogWidgets(const OnnxExportDialog &dialog)
        : directory(child<QLineEdit>(dialog, "onnxDirectory")),
          opset(child<QSpinBox>(dialog, "onnxOpset")),
          progress(child<QProgressBar>(dialog, "onnxProgress")),
          step(child<QLabel>(dialog, "onnxStep")), result(child<QLabel>(dialog, "onnxResult")),
          exportButton(child<QPushButton>(dialog, "onnxExportButton")),
          cancelButton(child<QPushButton>(dialog, "onnxCancelButton"))
    {
    }
    bool complete() const
    {
        return directory && opset && progress && step && result && exportButton && cancelButton;
    }
};

/// Types `text` into `edit` over what it holds, as a user would.
void typeOver(QLineEdit *edit, const QString &text)
{
    edit->selectAll();
    QTest::keyClicks(edit, text);
    QCOMPARE(edit->text(), text);
}

} // namespace

class TestOnnxExportDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void exportFromTheRegistryPanel();
    void truncatedWeightsAreNamedAndNothingIsWritten();
    void cancellingAQueuedExportWritesNothing();

private:
    /// Shows `window` on the workspace, selects fashion-cnn's version 1 in the Registry panel,
    /// triggers Export to ONNX from the panel's toolbar and returns the dialog that opens.
    OnnxExportDialog *openDialog(MainWindow &window, Session &session);

    QTemporaryDir m_settingsDir;
};

void TestOnnxExportDialog::initTestCase()
{
    useTestSettings(m_settingsDir, u"tst_onnxexportdialog"_s);
    previousHandler = qInstallMessageHandler(dropSizeHintWarning);
}

void TestOnnxExportDialog::cleanupTestCase()
{
    qInstallMessageHandler(previousHandler);
}

OnnxExportDialog *TestOnnxExportDialog::openDialog(MainWindow &window, Session &session)
{
    showWindow(window, {1200, 780});
    if (QTest::currentTestFailed())
        return nullptr;
    window.attachSession(session);
    auto *list = child<QListWidget>(window, "panelList");
    if (!list)
        return nullptr;
    [&] {
        QCOMPARE(list->item(kRegistryRow)->text(), u"Registry"_s);
        QTest::mouseClick(list->viewport(), Qt::LeftButton, {},
                          list->visualItemRect(list->item(kRegistryRow)).center());
        QCOMPARE(child<QStackedWidget>(window, "panelStack")->currentWidget()->objectName(),
                 u"registryPanel"_s);
    }();
    auto *table = child<QTableView>(window, "versionTable");
    auto *toolbar = child<QToolBar>(window, "registryToolBar");
    auto *action = child<QAction>(window, "exportOnnxAction");
    if (QTest::currentTestFailed() || !table || !toolbar || !action)
        return nullptr;

    OnnxExportDialog *dialog = nullptr;
    [&] {
        // The only model is shown once the panel has read the registry.
        QTRY_COMPARE(table->model()->rowCount(), 1);
        const QModelIndex version =
            table->model()->index(rowOfVersion(table, 1), VersionTableModel::VersionColumn);
        QVERIFY(version.isValid());
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {},
                          table->visualRect(version).center());
        QVERIFY(action->isEnabled());
        QWidget *button = toolbar->widgetForAction(action);
        QVERIFY(button && button->isVisible());
        QTest::mouseClick(button, Qt::LeftButton);
        QTRY_VERIFY((dialog = window.findChild<OnnxExportDialog *>(u"onnxExportDialog"_s))
                    && dialog->isVisible());
        QVERIFY(QTest::qWaitForWindowExposed(dialog));
        QVERIFY2(dialog->windowTitle().contains(kModel), qPrintable(dialog->windowTitle()));
    }();
    return QTest::currentTestFailed() ? nullptr : dialog;
}

void TestOnnxExportDialog::exportFromTheRegistryPanel()
{
    RegisteredCnn setup;
    QVERIFY(setup.setUp());
    MainWindow window;
    OnnxExportDialog *dialog = openDialog(window, *setup.session);
    QVERIFY(dialog);
    const DialogWidgets widgets(*dialog);
    QVERIFY(widgets.complete());

    // Before anything runs: the newest opset, nothing to cancel, no result.
    QCOMPARE(widgets.opset->minimum(), ml::kOnnxMinimumOpset);
    QCOMPARE(widgets.opset->maximum(), ml::kOnnxMaximumOpset);
    QCOMPARE(widgets.opset->value(), ml::kOnnxMaximumOpset);
    QVERIFY(widgets.exportButton->isEnabled());
    QVERIFY(!widgets.cancelButton->isEnabled());
    QCOMPARE(widgets.progress->value(), 0);
    QVERIFY(widgets.result->text().isEmpty());

    // A folder that does not exist yet, and an older opset than the default.
    QTemporaryDir out;
    QVERIFY(out.isValid());
    const QString folder = QDir(out.path()).filePath(u"fashion-cnn-v1-onnx"_s);
    QVERIFY(!QFileInfo::exists(folder));
    typeOver(widgets.directory, folder);
    widgets.opset->selectAll();
    QTest::keyClicks(widgets.opset, u"15"_s);
    QCOMPARE(widgets.opset->value(), 15);

    QSignalSpy exported(dialog, &OnnxExportDialog::exported);
    QTest::mouseClick(widgets.exportButton, Qt::LeftButton);
    // Running: the form is locked and Cancel is offered until the worker reports back.
    QVERIFY(!widgets.exportButton->isEnabled());
    QVERIFY(!widgets.directory->isEnabled());
    QVERIFY(!widgets.opset->isEnabled());
    QVERIFY(widgets.cancelButton->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(plainText(widgets.result).startsWith(u"Exported"_s), kExportTimeout);

    const QString shown = plainText(widgets.result);
    const QFileInfo onnx(QDir(folder).filePath(u"model.onnx"_s));
    QVERIFY2(onnx.isFile() && onnx.size() > 0, qPrintable(onnx.filePath()));
    QVERIFY(QFileInfo(QDir(folder).filePath(u"MLmodel"_s)).isFile());
    QVERIFY2(shown.contains(folder), qPrintable(shown));
    QVERIFY2(shown.contains(u"opset 15"_s), qPrintable(shown));
    QVERIFY2(shown.contains(QLocale().formattedDataSize(onnx.size())), qPrintable(shown));
    QVERIFY2(shown.contains(u"checker: valid"_s), qPrintable(shown));
    QVERIFY2(shown.contains(u"float32 {batch, 28, 28}"_s), qPrintable(shown));
    QVERIFY2(shown.contains(u"logits float32 {batch, 10}"_s), qPrintable(shown));
    QVERIFY2(shown.contains(u"mlflow models serve -m %1"_s.arg(folder)), qPrintable(shown));
    QCOMPARE(widgets.progress->value(), widgets.progress->maximum());
    QCOMPARE(widgets.step->text(), u"Done"_s);
    QCOMPARE(exported.size(), 1);
    QCOMPARE(exported.at(0).at(0).toString(), QFileInfo(folder).absoluteFilePath());
    // Ready for another export.
    QVERIFY(widgets.exportButton->isEnabled());
    QVERIFY(widgets.directory->isEnabled());
    QVERIFY(!widgets.cancelButton->isEnabled());

    QFile mlmodel(QDir(folder).filePath(u"MLmodel"_s));
    QVERIFY(mlmodel.open(QIODevice::ReadOnly));
    QVERIFY(mlmodel.readAll().contains("onnx"));

    QString shots = qEnvironmentVariable("MILLRACE_SCREENSHOT_DIR");
    if (!shots.isEmpty()) {
        QVERIFY(QDir().mkpath(shots));
        const QString path = QDir(shots).filePath(u"onnx-export-dialog.png"_s);
        QVERIFY2(dialog->grab().save(path), qPrintable(path));
        QVERIFY(!QImage(path).isNull());
    }
    window.detachSession();
}

void TestOnnxExportDialog::truncatedWeightsAreNamedAndNothingIsWritten()
{
    RegisteredCnn setup;
    QVERIFY(setup.setUp());
    // The version's own copy of the weights, in the workspace's models folder, cut in half.
    const QString weightsPath = QDir(setup.versionDirectory).filePath(u"weights.pt"_s);
    QVERIFY2(QDir::cleanPath(weightsPath).endsWith(u"models/%1/1/weights.pt"_s.arg(kModel)),
             qPrintable(weightsPath));
    QFile weights(weightsPath);
    QVERIFY(weights.size() > 2);
    QVERIFY(weights.resize(weights.size() / 2));

    MainWindow window;
    OnnxExportDialog *dialog = openDialog(window, *setup.session);
    QVERIFY(dialog);
    const DialogWidgets widgets(*dialog);
    QVERIFY(widgets.complete());
    QTemporaryDir out;
    QVERIFY(out.isValid());
    const QString folder = QDir(out.path()).filePath(u"broken-onnx"_s);
    typeOver(widgets.directory, folder);

    QSignalSpy exported(dialog, &OnnxExportDialog::exported);
    QTest::ignoreMessage(
        QtWarningMsg, QRegularExpression(u"ONNX export of %1 version 1 .*truncated"_s.arg(kModel)));
    QTest::mouseClick(widgets.exportButton, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(plainText(widgets.result).startsWith(u"Export failed"_s),
                             kExportTimeout);

    const QString shown = plainText(widgets.result);
    QVERIFY2(shown.contains(u"version 1 of %1"_s.arg(kModel)), qPrintable(shown));
    QVERIFY2(shown.contains(weightsPath), qPrintable(shown));
    QVERIFY2(shown.contains(u"truncated"_s), qPrintable(shown));
    QVERIFY2(shown.contains(u"Nothing was written"_s), qPrintable(shown));
    QVERIFY2(!QFileInfo::exists(folder), qPrintable(folder));
    QCOMPARE(widgets.progress->value(), 0);
    QVERIFY(exported.isEmpty());
    // The user can fix the weights or pick another version and try again.
    QVERIFY(widgets.exportButton->isEnabled());
    QVERIFY(!widgets.cancelButton->isEnabled());
    window.detachSession();
}

void TestOnnxExportDialog::cancellingAQueuedExportWritesNothing()
{
    // An export only looks at Cancel between its steps, and this model exports in a blink: to
    // cancel it for sure, it is cancelled while it waits for a worker thread (the pool busy
    // with other work), so it starts already cancelled.
    RegisteredCnn setup;
    QVERIFY(setup.setUp());
    MainWindow window;
    OnnxExportDialog *dialog = openDialog(window, *setup.session);
    QVERIFY(dialog);
    const DialogWidgets widgets(*dialog);
    QVERIFY(widgets.complete());
    QTemporaryDir out;
    QVERIFY(out.isValid());
    const QString folder = QDir(out.path()).filePath(u"cancelled-onnx"_s);
    typeOver(widgets.directory, folder);

    QSignalSpy exported(dialog, &OnnxExportDialog::exported);
    QTest::ignoreMessage(
        QtWarningMsg, QRegularExpression(u"ONNX export of %1 version 1 cancelled"_s.arg(kModel)));
    {
        PoolBlocker busy(*QThreadPool::globalInstance());
        QVERIFY(busy.blocking());
        QTest::mouseClick(widgets.exportButton, Qt::LeftButton);
        QVERIFY(widgets.cancelButton->isEnabled());
        QTest::mouseClick(widgets.cancelButton, Qt::LeftButton);
        QCOMPARE(widgets.step->text(), u"Cancelling…"_s);
    } // the pool is free: the export starts, cancelled
    QTRY_VERIFY_WITH_TIMEOUT(plainText(widgets.result).startsWith(u"Cancelled"_s), kExportTimeout);

    QVERIFY2(plainText(widgets.result).contains(u"nothing was written"_s),
             qPrintable(plainText(widgets.result)));
    QVERIFY2(!QFileInfo::exists(folder), qPrintable(folder));
    QCOMPARE(widgets.progress->value(), 0);
    QVERIFY(widgets.step->text().isEmpty());
    QVERIFY(exported.isEmpty());
    QVERIFY(widgets.exportButton->isEnabled());
    QVERIFY(!widgets.cancelButton->isEnabled());

    // Cancelling is not sticky: Export again goes through.
    QTest::mouseClick(widgets.exportButton, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(plainText(widgets.result).startsWith(u"Exported"_s), kExportTimeout);
    QVERIFY(QFileInfo(QDir(folder).filePath(u"model.onnx"_s)).isFile());
    QCOMPARE(exported.size(), 1);
    window.detachSession();
}

QTEST_MAIN(TestOnnxExportDialog)
#include "tst_onnxexportdialog.moc"
