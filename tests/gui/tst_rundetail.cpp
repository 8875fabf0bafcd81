// The run detail pane on a real workspace: a run's metric histories become sparklines (read again
// only when the run logs something new), and its artifact files are listed as a tree and
// previewed when clicked: a picture, text, and plain messages for a binary file and a corrupt
// picture. Opening a file goes to the desktop; another run without artifacts says how to log
// some. Real widgets are clicked under the offscreen platform; nothing waits a fixed time.

#include "guitestsupport.h"

#include "core/tracking/trackingstore.h"
#include "core/workspace/session.h"
#include "ui/panels/experiments/artifacttreemodel.h"
#include "ui/panels/experiments/imagepreview.h"
#include "ui/panels/experiments/rundetailfeed.h"
#include "ui/panels/experiments/rundetailpane.h"
#include "ui/panels/experiments/runmetricsmodel.h"

#include <QApplication>
#include <QDesktopServices>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QLoggingCategory>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScopeGuard>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>
#include <QUrl>

#include <memory>

using millrace::ui::ArtifactTreeModel;
using millrace::ui::ImagePreview;
using millrace::ui::MetricSparkline;
using millrace::ui::RunDetailFeed;
using millrace::ui::RunDetailPane;
using millrace::ui::RunMetricsModel;
using namespace millrace::testing;
using namespace millrace::tracking;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kStart = 1718096400000; // 2024-06-11 09:00 UTC

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

/// Stands in for the desktop: receives what QDesktopServices::openUrl() would open.
class UrlCatcher : public QObject
{
    Q_OBJECT
public:
    QList<QUrl> urls;
public Q_SLOTS:
    void open(const QUrl &url) { urls.append(url); }
};

} // namespace

class TestRunDetail : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void sparklinesFollowTheHistory();
    void artifactsAreListedAndPreviewed();
    void runWithoutArtifactsSaysHowToLogThem();

private:
    void showPane();
    QString logRun(const QString &name, int points);
    Run fetch(const QString &runId);
    void selectArtifact(const QString &path);

    QTemporaryDir m_dir;
    std::unique_ptr<millrace::Session> m_session;
    QString m_experimentId;
    std::unique_ptr<RunDetailPane> m_pane;
};

void TestRunDetail::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_dir.isValid());
    QApplication::setQuitOnLastWindowClosed(false);
}

void TestRunDetail::init()
{
    millrace::SessionOptions options;
    options.trackingServer = false;
    auto opened = millrace::Session::open(
        m_dir.filePath(QString::fromLatin1(QTest::currentTestFunction())), options);
    QVERIFY2(opened.hasValue(), qPrintable(opened.errorMessage()));
    m_session = std::move(opened).value();
    auto experiment = m_session->tracking().createExperiment(u"fashion-cnn"_s);
    VERIFY_OK(experiment);
    m_experimentId = *experiment;
    m_pane = std::make_unique<RunDetailPane>();
    m_pane->attach(m_session->tracking());
}

void TestRunDetail::cleanup()
{
    // The pane lets go of the store before the workspace closes.
    if (m_pane)
        m_pane->detach();
    m_pane.reset();
    m_session.reset();
}

void TestRunDetail::showPane()
{
    m_pane->resize(1000, 420);
    // The offscreen platform warns that it cannot propagate size hints; not the pane's doing.
    QLoggingCategory::setFilterRules(u"default.warning=false"_s);
    const auto restore = qScopeGuard([] { QLoggingCategory::setFilterRules(QString()); });
    m_pane->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_pane.get()));
}

/// A running run whose "loss" falls from 1 over `points` steps; returns its id.
QString TestRunDetail::logRun(const QString &name, int points)
{
    TrackingStore &tracking = m_session->tracking();
    auto run = tracking.createRun(m_experimentId, u"ada"_s, name, kStart, {});
    if (!run)
        return QString();
    QList<MetricPoint> history;
    for (int step = 0; step < points; ++step)
        history.append({u"loss"_s, 1.0 / (1 + step), kStart + 1000 * step, step});
    history.append({u"acc"_s, 0.5, kStart, 0});
    // logBatch takes at most 1000 metrics at a time, as MLflow does.
    for (qsizetype first = 0; first < history.size(); first += 1000) {
        if (!tracking.logBatch(run->info.runId, history.mid(first, 1000), {}, {}))
            return QString();
    }
    return run->info.runId;
}

Run TestRunDetail::fetch(const QString &runId)
{
    auto run = m_session->tracking().run(runId);
    return run ? *run : Run{};
}

void TestRunDetail::selectArtifact(const QString &path)
{
    auto *view = child<QTreeView>(*m_pane, "artifactTree");
    QVERIFY(view);
    auto *model = qobject_cast<ArtifactTreeModel *>(view->model());
    QVERIFY(model);
    const QModelIndex index = model->indexOfPath(path);
    QVERIFY2(index.isValid(), qPrintable(path));
    view->scrollTo(index);
    const QRect rect = view->visualRect(index);
    QVERIFY2(rect.isValid(), qPrintable(path)); // its folder is open
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, rect.center());
    QCOMPARE(view->currentIndex().data(ArtifactTreeModel::PathRole).toString(), path);
}

void TestRunDetail::sparklinesFollowTheHistory()
{
    const QString runId = logRun(u"long"_s, 500);
    QVERIFY(!runId.isEmpty());
    showPane();
    const Run run = fetch(runId);
    m_pane->showRun(&run, u"fashion-cnn"_s, kStart + 600000);
    auto *view = child<QTableView>(*m_pane, "runMetrics");
    QVERIFY(view);
    auto *metrics = qobject_cast<RunMetricsModel *>(view->model());
    QVERIFY(metrics);
    QCOMPARE(metrics->rowCount(), 2);

    QTRY_VERIFY(metrics->sparkline(u"loss"_s).has_value());
    MetricSparkline loss = *metrics->sparkline(u"loss"_s);
    QCOMPARE(loss.pointCount, 500);
    QCOMPARE(loss.points.size(), RunDetailFeed::kSparklinePoints);
    QCOMPARE(loss.points.first(), QPointF(0, 1.0));
    QCOMPARE(loss.points.last(), QPointF(499, 1.0 / 500));
    QCOMPARE(loss.max, 1.0);
    QVERIFY(metrics->sparkline(u"acc"_s).has_value());
    QCOMPARE(metrics->sparkline(u"acc"_s)->points, QList<QPointF>{QPointF(0, 0.5)});
    // The delegate draws it: the History cell's tooltip sums the history up.
    const QModelIndex cell = metrics->index(1, RunMetricsModel::HistoryColumn);
    QCOMPARE(cell.siblingAtColumn(0).data().toString(), u"loss"_s);
    QVERIFY(cell.data(Qt::ToolTipRole).toString().startsWith(u"500 points"_s));
    QVERIFY(view->columnWidth(RunMetricsModel::HistoryColumn) >= 60);
    if (const QString dir = qEnvironmentVariable("MILLRACE_SCREENSHOT_DIR"); !dir.isEmpty())
        QVERIFY(m_pane->grab().save(QDir(dir).filePath(u"run-detail-overview.png"_s)));

    // The panel shows the run again on every reload: nothing new, nothing read.
    auto *feed = m_pane->findChild<RunDetailFeed *>();
    QVERIFY(feed);
    m_pane->showRun(&run, u"fashion-cnn"_s, kStart + 601000);
    QVERIFY(!feed->isLoadingSparklines());

    // A new point: the history is read again and the line ends there.
    VERIFY_OK(
        m_session->tracking().logBatch(runId, {{u"loss"_s, 0.75, kStart + 900000, 500}}, {}, {}));
    const Run updated = fetch(runId);
    m_pane->showRun(&updated, u"fashion-cnn"_s, kStart + 901000);
    QVERIFY(feed->isLoadingSparklines());
    QTRY_COMPARE(metrics->sparkline(u"loss"_s)->pointCount, 501);
    loss = *metrics->sparkline(u"loss"_s);
    QCOMPARE(loss.points.last(), QPointF(500, 0.75));
    QCOMPARE(metrics->index(1, RunMetricsModel::ValueColumn).data().toString(), u"0.75"_s);
}

void TestRunDetail::artifactsAreListedAndPreviewed()
{
    const QString runId = logRun(u"with-artifacts"_s, 5);
    QVERIFY(!runId.isEmpty());
    auto directory = m_session->tracking().runArtifactDirectory(runId);
    VERIFY_OK(directory);
    const QDir artifacts(*directory);
    QImage plot(320, 200, QImage::Format_RGB32);
    plot.fill(QColor(30, 120, 200));
    QVERIFY(QDir().mkpath(artifacts.path()));
    QVERIFY(plot.save(artifacts.filePath(u"plot.png"_s)));
    const QByteArray notes = "epoch 1: loss 0.50\nepoch 2: loss 0.33\n";
    QVERIFY(writeFile(artifacts.filePath(u"notes.txt"_s), notes));
    QByteArray weights(2 * 1024 * 1024, '\0');
    for (qsizetype i = 0; i < weights.size(); ++i)
        weights[i] = char(i * 31 % 251);
    QVERIFY(writeFile(artifacts.filePath(u"weights.bin"_s), weights));
    QVERIFY(
        writeFile(artifacts.filePath(u"broken.png"_s), "\x89PNG\r\n\x1a\nnot really a picture"));
    const QByteArray mlmodel = "artifact_path: model\nflavors:\n  pytorch:\n    code: null\n";
    QVERIFY(writeFile(artifacts.filePath(u"model/MLmodel"_s), mlmodel));

    showPane();
    const Run run = fetch(runId);
    m_pane->showRun(&run, u"fashion-cnn"_s, kStart + 600000);
    auto *tabs = child<QTabWidget>(*m_pane, "runDetailTabs");
    QVERIFY(tabs);
    QTest::mouseClick(tabs->tabBar(), Qt::LeftButton, {}, tabs->tabBar()->tabRect(1).center());
    QCOMPARE(tabs->currentIndex(), 1);

    auto *view = child<QTreeView>(*m_pane, "artifactTree");
    QVERIFY(view);
    QTRY_COMPARE(view->model()->rowCount(), 5);
    QCOMPARE(tabs->tabText(1), u"Artifacts (5)"_s);
    QVERIFY(view->isVisible());
    QStringList topLevel;
    for (int row = 0; row < view->model()->rowCount(); ++row)
        topLevel.append(view->model()->index(row, 0).data().toString());
    QCOMPARE(topLevel, (QStringList{u"model"_s, u"broken.png"_s, u"notes.txt"_s, u"plot.png"_s,
                                    u"weights.bin"_s}));
    QVERIFY(child<QLabel>(*m_pane, "artifactStatus")->text().startsWith(u"5 files"_s));

    auto *preview = child<QStackedWidget>(*m_pane, "artifactPreview");
    auto *image = child<ImagePreview>(*m_pane, "artifactImage");
    auto *text = child<QPlainTextEdit>(*m_pane, "artifactText");
    auto *message = child<QLabel>(*m_pane, "artifactPreviewMessage");
    QVERIFY(preview && image && text && message);
    QCOMPARE(message->text(), u"Select a file to preview it."_s);

    selectArtifact(u"plot.png"_s);
    QTRY_VERIFY(image->isVisible());
    QCOMPARE(image->image().size(), QSize(320, 200));
    QCOMPARE(image->image().pixelColor(10, 10), QColor(30, 120, 200));
    QVERIFY(!image->imageRect().isEmpty());
    QVERIFY(
        child<QLabel>(*m_pane, "artifactImageInfo")->text().startsWith(u"PNG image, 320 × 200"_s));
    if (const QString dir = qEnvironmentVariable("MILLRACE_SCREENSHOT_DIR"); !dir.isEmpty())
        QVERIFY(m_pane->grab().save(QDir(dir).filePath(u"run-detail-artifacts.png"_s)));

    selectArtifact(u"notes.txt"_s);
    QTRY_VERIFY(text->isVisible());
    QCOMPARE(text->toPlainText(), QString::fromUtf8(notes));
    QVERIFY(text->isReadOnly());
    QVERIFY(!child<QLabel>(*m_pane, "artifactTextNote")->isVisible());
    QVERIFY(image->image().isNull());

    selectArtifact(u"weights.bin"_s);
    QTRY_VERIFY(message->isVisible());
    QTRY_VERIFY2(message->text().startsWith(u"Binary file, 2.0 MB"_s), qPrintable(message->text()));
    QVERIFY(text->toPlainText().isEmpty());

    selectArtifact(u"broken.png"_s);
    QTRY_VERIFY2(message->text().startsWith(u"Cannot decode this PNG image"_s),
                 qPrintable(message->text()));
    QVERIFY(message->isVisible());

    // The nested folder is open; its file previews as text.
    selectArtifact(u"model/MLmodel"_s);
    QTRY_VERIFY(text->isVisible());
    QCOMPARE(text->toPlainText(), QString::fromUtf8(mlmodel));

    // Open goes to the desktop's application for the file; a folder click does not open it.
    UrlCatcher catcher;
    QDesktopServices::setUrlHandler(u"file"_s, &catcher, "open");
    const auto unset = qScopeGuard([] { QDesktopServices::unsetUrlHandler(u"file"_s); });
    child<QPushButton>(*m_pane, "artifactOpen")->click();
    QCOMPARE(catcher.urls,
             QList<QUrl>{QUrl::fromLocalFile(artifacts.filePath(u"model/MLmodel"_s))});
    child<QPushButton>(*m_pane, "artifactShowFolder")->click();
    QCOMPARE(catcher.urls.last(), QUrl::fromLocalFile(artifacts.filePath(u"model"_s)));
    auto *model = qobject_cast<ArtifactTreeModel *>(view->model());
    const QRect notesRect = view->visualRect(model->indexOfPath(u"notes.txt"_s));
    // QTest's double click sends no press of its own: the first click of the pair comes first.
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, notesRect.center());
    QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, notesRect.center());
    QCOMPARE(catcher.urls.last(), QUrl::fromLocalFile(artifacts.filePath(u"notes.txt"_s)));

    // A file that appears later shows after a refresh, keeping the selection.
    QVERIFY(writeFile(artifacts.filePath(u"summary.json"_s), "{}"));
    QTest::mouseClick(child<QWidget>(*m_pane, "artifactRefresh"), Qt::LeftButton);
    QTRY_COMPARE(view->model()->rowCount(), 6);
    QCOMPARE(view->currentIndex().data(ArtifactTreeModel::PathRole).toString(), u"notes.txt"_s);
    QTRY_VERIFY(text->isVisible());
    QCOMPARE(text->toPlainText(), QString::fromUtf8(notes));
}

void TestRunDetail::runWithoutArtifactsSaysHowToLogThem()
{
    const QString withFiles = logRun(u"with-files"_s, 3);
    const QString withoutFiles = logRun(u"without-files"_s, 3);
    QVERIFY(!withFiles.isEmpty() && !withoutFiles.isEmpty());
    auto directory = m_session->tracking().runArtifactDirectory(withFiles);
    VERIFY_OK(directory);
    QVERIFY(writeFile(QDir(*directory).filePath(u"a.txt"_s), "a"));

    showPane();
    const Run first = fetch(withFiles);
    const Run second = fetch(withoutFiles);
    auto *view = child<QTreeView>(*m_pane, "artifactTree");
    auto *message = child<QLabel>(*m_pane, "artifactMessage");
    QVERIFY(view && message);
    // The first run's listing may still be on its way when the second run is shown: it must
    // not appear under the second.
    m_pane->showRun(&first, u"fashion-cnn"_s, kStart);
    m_pane->showRun(&second, u"fashion-cnn"_s, kStart);
    QTRY_VERIFY2(message->text().contains(u"No artifacts logged"_s), qPrintable(message->text()));
    QVERIFY(message->text().contains(u"mlflow.log_artifact"_s));
    auto *feed = m_pane->findChild<RunDetailFeed *>();
    QTRY_VERIFY(!feed->isListing());
    QCOMPARE(view->model()->rowCount(), 0);
    QVERIFY(!child<QPushButton>(*m_pane, "artifactShowFolder")->isEnabled());

    // Back to the first run: its file is listed.
    m_pane->showRun(&first, u"fashion-cnn"_s, kStart);
    QTRY_COMPARE(view->model()->rowCount(), 1);
    // No run: the hint, and nothing left of the run before.
    m_pane->showRun(nullptr, QString(), 0);
    QCOMPARE(view->model()->rowCount(), 0);
    QVERIFY(m_pane->runId().isEmpty());
}

QTEST_MAIN(TestRunDetail)
#include "tst_rundetail.moc"
