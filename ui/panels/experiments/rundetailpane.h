#pragma once

#include "core/tracking/trackingtypes.h"

#include <QWidget>

#include <QHash>
#include <QStringList>

QT_BEGIN_NAMESPACE
class QAbstractItemModel;
class QGridLayout;
class QLabel;
class QModelIndex;
class QPlainTextEdit;
class QPushButton;
class QStackedWidget;
class QTabWidget;
class QTableView;
class QTreeView;
QT_END_NAMESPACE

namespace millrace {
namespace tracking {
class TrackingStore;
}
} // namespace millrace

namespace millrace::ui {

class ArtifactTreeModel;
class ImagePreview;
class KeyValueModel;
class RunDetailFeed;
class RunMetricsModel;
struct ArtifactListing;
struct ArtifactPreview;
struct MetricSparkline;

/// Everything about one run: name, status, id, experiment, times, user and artifact URI, then an
/// Overview tab with its params, latest metrics (with sparklines of their histories) and tags,
/// and an Artifacts tab with its artifact files as a tree and a preview of the selected one.
/// Histories and artifacts are read off the GUI thread from the attached tracking store. Shows a
/// hint when no run is current.
class RunDetailPane : public QWidget
{
    Q_OBJECT
public:
    explicit RunDetailPane(QWidget *parent = nullptr);
    /// Waits for reads still running.
    ~RunDetailPane() override;

    /// Reads histories and artifacts from `tracking`, which must outlive detach().
    void attach(const tracking::TrackingStore &tracking);
    /// Drops pending reads and waits for those still running, so the store can close.
    void detach();

    /// Shows `run` (of the experiment named `experimentName`), or the hint when null.
    /// `nowMs` is "now", for the duration of a running run. Called again for the same run on
    /// every reload: histories are read again only when the latest metrics changed, artifacts
    /// when the run's status did.
    void showRun(const tracking::Run *run, const QString &experimentName, qint64 nowMs);
    /// The id of the run shown, empty when none.
    QString runId() const { return m_runId; }

    /// Opens the current artifact (file or folder) with the desktop's application for it.
    void openCurrentArtifact();
    /// Opens the folder holding the current artifact (the run's artifact folder when none).
    void showArtifactFolder();
    /// Lists the run's artifacts again.
    void refreshArtifacts();

private:
    QTableView *createTable(QAbstractItemModel *model, const QString &objectName);
    QLabel *addField(int row, int column, const QString &label, const QString &objectName);
    QWidget *createArtifactsTab();
    void clearArtifacts();
    void showArtifactMessage(const QString &html);
    void showPreviewMessage(const QString &text);
    void onArtifactsLoaded(const QString &runId, const ArtifactListing &listing);
    void onCurrentArtifactChanged(const QModelIndex &current);
    void onPreviewLoaded(const QString &runId, const QString &filePath,
                         const ArtifactPreview &preview);
    void onSparklinesLoaded(const QString &runId, const QHash<QString, MetricSparkline> &lines);
    void updateArtifactActions();
    QString currentArtifactPath() const;
    void openPath(const QString &path);

    RunDetailFeed *m_feed;
    QString m_runId;
    QString m_runState;         ///< status and end time of the run shown, to notice it ending
    QStringList m_metricsStamp; ///< latest metric steps and times the sparklines were read for
    QStackedWidget *m_pages;
    QWidget *m_detailPage;
    QLabel *m_name;
    QLabel *m_status;
    QLabel *m_id;
    QLabel *m_experiment;
    QLabel *m_started;
    QLabel *m_ended;
    QLabel *m_duration;
    QLabel *m_user;
    QLabel *m_artifactUri;
    QLabel *m_paramsTitle;
    QLabel *m_metricsTitle;
    QLabel *m_tagsTitle;
    KeyValueModel *m_params;
    RunMetricsModel *m_metrics;
    KeyValueModel *m_tags;
    QGridLayout *m_fields;
    QList<QTableView *> m_tables;
    QTabWidget *m_tabs;

    ArtifactTreeModel *m_artifacts;
    QStackedWidget *m_artifactPages;
    QLabel *m_artifactMessage;
    QTreeView *m_artifactView;
    QLabel *m_artifactStatus;
    QPushButton *m_openButton;
    QPushButton *m_folderButton;
    QStackedWidget *m_previewPages;
    QLabel *m_previewMessage;
    ImagePreview *m_image;
    QLabel *m_imageInfo;
    QPlainTextEdit *m_text;
    QLabel *m_textNote;
    QString m_previewPath; ///< absolute path of the file previewed or being read
};

} // namespace millrace::ui
