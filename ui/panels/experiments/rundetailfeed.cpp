#include "ui/panels/experiments/rundetailfeed.h"

#include "core/base/job.h"
#include "core/tracking/trackingstore.h"
#include "ui/uilog.h"

namespace millrace::ui {

namespace {

// Histories are read a page at a time so a cancelled read stops between pages, and capped so a
// metric logged every millisecond for days cannot hold a pool thread for long.
constexpr int kHistoryPageSize = 10000;
constexpr qsizetype kMaxHistoryPoints = 1000000;

using Sparklines = QHash<QString, MetricSparkline>;

} // namespace

} // namespace millrace::ui

Q_DECLARE_METATYPE(millrace::ui::Sparklines)

namespace millrace::ui {

RunDetailFeed::RunDetailFeed(QObject *parent) : QObject(parent)
{
    // Two threads: the artifact side and the sparklines must not wait for each other. They never
    // expire, so each keeps its read connection to the store.
    m_pool.setMaxThreadCount(2);
    m_pool.setExpiryTimeout(-1);
}

RunDetailFeed::~RunDetailFeed()
{
    detach();
}

void RunDetailFeed::attach(const tracking::TrackingStore &tracking)
{
    detach();
    m_tracking = &tracking;
}

void RunDetailFeed::detach()
{
    clear();
    // The jobs' functions hold a reference to the store: let them end before it may close.
    m_pool.waitForDone();
    m_tracking = nullptr;
}

void RunDetailFeed::clear()
{
    // A deleted Job emits nothing: its result is dropped.
    delete m_artifactsJob.data();
    delete m_previewJob.data();
    delete m_sparklinesJob.data();
    m_pendingSparklines.reset();
    m_sparklinesRunId.clear();
}

void RunDetailFeed::loadArtifacts(const QString &runId)
{
    delete m_artifactsJob.data();
    if (!isAttached())
        return;
    const tracking::TrackingStore *tracking = m_tracking;
    Job *job = Job::start(
        QStringLiteral("list artifacts"),
        [tracking, runId](JobContext &context) {
            auto directory = tracking->runArtifactDirectory(runId);
            if (!directory) {
                ArtifactListing listing;
                listing.error = directory.errorMessage();
                return QVariant::fromValue(listing);
            }
            return QVariant::fromValue(
                listArtifactDirectory(*directory, kMaxArtifacts, context.token()));
        },
        this, &m_pool);
    m_artifactsJob = job;
    connect(job, &Job::succeeded, this, [this, job, runId](const QVariant &value) {
        m_artifactsJob = nullptr;
        job->deleteLater();
        const auto listing = value.value<ArtifactListing>();
        if (!listing.error.isEmpty())
            qCWarning(lcUi).noquote()
                << "listing the artifacts of run" << runId << "failed:" << listing.error;
        Q_EMIT artifactsLoaded(runId, listing);
    });
    connect(job, &Job::failed, this, [this, job, runId](const QString &message) {
        m_artifactsJob = nullptr;
        job->deleteLater();
        ArtifactListing listing;
        listing.error = message;
        Q_EMIT artifactsLoaded(runId, listing);
    });
}

void RunDetailFeed::loadPreview(const QString &runId, const QString &filePath)
{
    delete m_previewJob.data();
    // No store needed, but a detached feed reads nothing: its pane shows no run.
    if (!isAttached())
        return;
    Job *job = Job::start(
        QStringLiteral("preview artifact"),
        [filePath](JobContext &context) {
            return QVariant::fromValue(readArtifactPreview(filePath, {}, context.token()));
        },
        this, &m_pool);
    m_previewJob = job;
    connect(job, &Job::succeeded, this, [this, job, runId, filePath](const QVariant &value) {
        m_previewJob = nullptr;
        job->deleteLater();
        Q_EMIT previewLoaded(runId, filePath, value.value<ArtifactPreview>());
    });
    connect(job, &Job::failed, this, [this, job, runId, filePath](const QString &message) {
        m_previewJob = nullptr;
        job->deleteLater();
        ArtifactPreview preview;
        preview.message = message;
        Q_EMIT previewLoaded(runId, filePath, preview);
    });
}

void RunDetailFeed::cancelPreview()
{
    delete m_previewJob.data();
}

void RunDetailFeed::loadSparklines(const QString &runId, const QStringList &keys)
{
    if (!isAttached())
        return;
    if (m_sparklinesJob && m_sparklinesRunId == runId) {
        m_pendingSparklines = SparklineRequest{runId, keys};
        return;
    }
    m_pendingSparklines.reset();
    startSparklines({runId, keys});
}

void RunDetailFeed::startSparklines(const SparklineRequest &request)
{
    delete m_sparklinesJob.data();
    const tracking::TrackingStore *tracking = m_tracking;
    const QString runId = request.runId;
    const QStringList keys = request.keys;
    Job *job = Job::start(
        QStringLiteral("load metric histories"),
        [tracking, runId, keys](JobContext &context) {
            Sparklines sparklines;
            for (const QString &key : keys) {
                QList<tracking::MetricPoint> history;
                QString pageToken;
                bool ok = true;
                do {
                    if (context.isCancelled())
                        return QVariant();
                    auto page = tracking->metricHistory(runId, key, kHistoryPageSize, pageToken);
                    if (!page) {
                        qCDebug(lcUi).noquote()
                            << "reading the history of" << key << "failed:" << page.errorMessage();
                        ok = false;
                        break;
                    }
                    history.append(page->items);
                    pageToken = page->nextPageToken;
                } while (!pageToken.isEmpty() && history.size() < kMaxHistoryPoints);
                if (ok)
                    sparklines.insert(key, sparklineFromHistory(history, kSparklinePoints));
            }
            return QVariant::fromValue(sparklines);
        },
        this, &m_pool);
    m_sparklinesJob = job;
    m_sparklinesRunId = runId;
    // Forgets the job before anything is emitted, so a slot may start or drop reads freely.
    const auto finish = [this, job] {
        m_sparklinesJob = nullptr;
        m_sparklinesRunId.clear();
        job->deleteLater();
    };
    const auto startPending = [this] {
        if (m_pendingSparklines && !m_sparklinesJob) {
            const SparklineRequest request = *m_pendingSparklines;
            m_pendingSparklines.reset();
            startSparklines(request);
        }
    };
    connect(job, &Job::succeeded, this, [this, runId, finish, startPending](const QVariant &value) {
        finish();
        // The results first: a pending request for the same run only brings fresher ones.
        Q_EMIT sparklinesLoaded(runId, value.value<Sparklines>());
        startPending();
    });
    connect(job, &Job::failed, this, [finish, startPending](const QString &) {
        finish();
        startPending();
    });
    connect(job, &Job::cancelled, this, [finish, startPending] {
        finish();
        startPending();
    });
}

} // namespace millrace::ui
