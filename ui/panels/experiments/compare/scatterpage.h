#pragma once

#include "ui/panels/experiments/compare/comparepage.h"

QT_BEGIN_NAMESPACE
class QChartView;
class QComboBox;
class QLabel;
QT_END_NAMESPACE

namespace millrace::ui {

/// One point per compared run: any param or metric across, any metric up. Params that are not
/// all numbers are placed as categories.
class ScatterPage : public ComparePage
{
    Q_OBJECT
public:
    explicit ScatterPage(QWidget *parent = nullptr);

    void setRunSet(const CompareRunSet &runs) override;
    QWidget *exportTarget() override;
    QList<QStringList> dataRows() const override;

    /// Chooses the axes by search-syntax key ("params.lr", "metrics.acc").
    void setAxes(const QString &xKey, const QString &yKey);
    QString xKey() const;
    QString yKey() const;
    QChartView *chartView() const { return m_view; }

private:
    void fillChoices();
    void draw();

    CompareRunSet m_runs;
    QComboBox *m_x;
    QComboBox *m_y;
    QLabel *m_note;
    QChartView *m_view;
};

} // namespace millrace::ui
