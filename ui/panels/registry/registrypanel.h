#pragma once

#include "ui/panels/registry/registryqueries.h"

#include <QStringList>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QLineEdit;
class QListView;
class QModelIndex;
class QProgressBar;
class QSortFilterProxyModel;
class QStackedWidget;
class QTableView;
class QToolBar;
class QToolButton;
QT_END_NAMESPACE

namespace millrace {
class Session;
}

namespace millrace::ui {

class HistoryModel;
class ModelListModel;
class RegistryActions;
class RegistryFeed;
class VersionTableModel;

/// The Registry panel: the registered models on the left (with a filter); on the right the
/// chosen model's versions (stage chips, aliases, status, source run as a link, the source
/// run's headline metrics), the actions on the selected versions (promote, archive, aliases,
/// compare, export) and the stage history as a timeline. It reads and writes off the GUI
/// thread and, while visible, follows changes made elsewhere within about a second.
class RegistryPanel : public QWidget
{
    Q_OBJECT
public:
    explicit RegistryPanel(QWidget *parent = nullptr);
    ~RegistryPanel() override;

    /// Shows the registry of `session`, which must outlive detachSession().
    void attachSession(Session &session);
    /// Lets go of the session; closes dialogs and waits for reads and writes still running.
    void detachSession();

    /// Selects the registered model `name`, now or once it is listed.
    void showModel(const QString &name);
    /// The model shown, or empty.
    QString currentModelName() const;

Q_SIGNALS:
    /// The source run link of a version was clicked.
    void showRunRequested(const QString &experimentId, const QString &runId);
    /// Compare Versions: the source runs of the selected versions, side by side.
    void compareRunsRequested(const QStringList &experimentIds, const QStringList &runIds);
    /// Export to ONNX… on a READY version.
    void exportToOnnxRequested(const QString &name, qint64 version);

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    QWidget *createModelSide();
    QWidget *createDetailSide();
    void createVersionTable();
    QWidget *createHistory();
    void onModelsLoaded(const QList<registry::RegisteredModel> &models);
    void onDetailLoaded(const ModelDetail &detail);
    void onCurrentModelChanged(const QModelIndex &current);
    void onVersionClicked(const QModelIndex &index);
    QList<qint64> selectedVersions() const;
    void selectVersions(const QList<qint64> &versions, qint64 current);
    void applyMetricColumns();
    void fitColumns();
    void fillMetricMenu();
    void updateTargets();
    void updateHeader();
    void updateStatus();
    void updateEmptyState();
    void updateColours();
    void showError(const QString &message);

    RegistryFeed *m_feed;
    ModelListModel *m_models;
    QSortFilterProxyModel *m_filteredModels;
    VersionTableModel *m_versions;
    HistoryModel *m_history;
    RegistryActions *m_actions;

    QLineEdit *m_filter;
    QListView *m_modelView;
    QLabel *m_modelCount;
    QStackedWidget *m_pages;
    QLabel *m_emptyState;
    QLabel *m_title;
    QLabel *m_description;
    QLabel *m_aliases;
    QToolBar *m_toolBar;
    QToolButton *m_metricButton;
    QLabel *m_error;
    QWidget *m_busy;
    QLabel *m_busyText;
    QTableView *m_versionView;
    QLabel *m_status;
    QListView *m_historyView;

    bool m_attached = false;
    bool m_modelsKnown = false;
    bool m_detailKnown = false; ///< the detail of the model shown arrived
    QString m_loadError;
    QString m_lastWrite;
    QString m_selectOnArrival; ///< a model asked for by showModel() before it was listed
    ModelDetail m_detail;
    QStringList m_chosenMetrics; ///< metric columns the user chose; automatic when empty
};

} // namespace millrace::ui
