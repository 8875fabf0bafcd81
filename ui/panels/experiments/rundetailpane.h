#pragma once

#include "core/tracking/trackingtypes.h"

#include <QWidget>

QT_BEGIN_NAMESPACE
class QGridLayout;
class QLabel;
class QStackedWidget;
class QTableView;
QT_END_NAMESPACE

namespace millrace::ui {

class KeyValueModel;

/// Everything about one run: name, status, id, experiment, times, user and artifact URI, then
/// its params, latest metrics and tags as tables. Shows a hint when no run is current.
class RunDetailPane : public QWidget
{
    Q_OBJECT
public:
    explicit RunDetailPane(QWidget *parent = nullptr);

    /// Shows `run` (of the experiment named `experimentName`), or the hint when null.
    /// `nowMs` is "now", for the duration of a running run.
    void showRun(const tracking::Run *run, const QString &experimentName, qint64 nowMs);
    /// The id of the run shown, empty when none.
    QString runId() const { return m_runId; }

private:
    QTableView *createTable(KeyValueModel *model, const QString &objectName);
    QLabel *addField(int row, int column, const QString &label, const QString &objectName);

    QString m_runId;
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
    KeyValueModel *m_metrics;
    KeyValueModel *m_tags;
    QGridLayout *m_fields;
    QList<QTableView *> m_tables;
};

} // namespace millrace::ui
