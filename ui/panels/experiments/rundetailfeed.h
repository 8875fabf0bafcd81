#pragma once

#include "core/base/job.h"
#include "ui/panels/experiments/artifactfiles.h"
#include "ui/panels/experiments/runmetricsmodel.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QThreadPool>

#include <optional>

namespace millrace {
namespace tracking {
class TrackingStore;
}
} // namespace millrace

namespace millrace::ui {

/// Reads what the run detail pane shows beyond the run itself, in Jobs on a pool of its own so
/// the GUI thread never touches the database or the disk: a run's artifact listing, a preview of
/// one artifact file, and its metrics' histories as sparklines. A request supersedes the
/// previous one of its kind; superseded results are dropped, never delivered.
class RunDetailFeed : public QObject
{
    Q_OBJECT
public:
    /// At most this many artifact files and folders are listed.
    static constexpr int kMaxArtifacts = 10000;
    /// Points per sparkline after downsampling.
    static constexpr int kSparklinePoints = 60;

    explicit RunDetailFeed(QObject *parent = nullptr);
    /// Drops pending results and waits for reads still running.
    ~RunDetailFeed() override;

    /// Starts reading from `tracking`, which must outlive detach().
    void attach(const tracking::TrackingStore &tracking);
    /// Drops pending results and waits for the reads still running, so the store can close.
    void detach();
    bool isAttached() const { return m_tracking != nullptr; }

    /// Lists the artifacts of run `runId`: artifactsLoaded() follows.
    void loadArtifacts(const QString &runId);
    /// Reads a preview of the artifact file at `filePath` (absolute) of run `runId`:
    /// previewLoaded() follows.
    void loadPreview(const QString &runId, const QString &filePath);
    /// Drops the preview being read, if any.
    void cancelPreview();
    /// Reads the histories of metrics `keys` of run `runId`: sparklinesLoaded() follows. While a
    /// read for the same run is under way, the newest request waits for it and then runs, so a
    /// run logging every second is not read over and over from the start.
    void loadSparklines(const QString &runId, const QStringList &keys);
    /// Drops every request (the run is no longer shown).
    void clear();

    /// Whether an artifact listing is being read.
    bool isListing() const { return !m_artifactsJob.isNull(); }
    /// Whether a preview is being read.
    bool isPreviewing() const { return !m_previewJob.isNull(); }
    /// Whether sparklines are being read or wait to be.
    bool isLoadingSparklines() const { return m_sparklinesJob || m_pendingSparklines; }

Q_SIGNALS:
    /// The artifacts of `runId`; `listing.error` says when they could not be read.
    void artifactsLoaded(const QString &runId, const millrace::ui::ArtifactListing &listing);
    /// The preview of `filePath` of `runId`.
    void previewLoaded(const QString &runId, const QString &filePath,
                       const millrace::ui::ArtifactPreview &preview);
    /// Sparklines of `runId`'s metrics, by key (a metric whose history failed is left out).
    void sparklinesLoaded(const QString &runId,
                          const QHash<QString, millrace::ui::MetricSparkline> &sparklines);

private:
    struct SparklineRequest
    {
        QString runId;
        QStringList keys;
    };
    void startSparklines(const SparklineRequest &request);

    const tracking::TrackingStore *m_tracking = nullptr;
    QThreadPool m_pool;
    QPointer<Job> m_artifactsJob;
    QPointer<Job> m_previewJob;
    QPointer<Job> m_sparklinesJob;
    QString m_sparklinesRunId; ///< the run m_sparklinesJob reads
    std::optional<SparklineRequest> m_pendingSparklines;
};

} // namespace millrace::ui
