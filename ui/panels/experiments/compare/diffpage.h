#pragma once

#include "ui/panels/experiments/compare/comparepage.h"

QT_BEGIN_NAMESPACE
class QCheckBox;
class QLabel;
class QTableView;
QT_END_NAMESPACE

namespace millrace::ui {

class CompareDiffModel;

/// The compared runs side by side: attributes, params, latest metrics and tags, one column per
/// run, with the rows that differ tinted (and optionally the only ones shown).
class DiffPage : public ComparePage
{
    Q_OBJECT
public:
    explicit DiffPage(QWidget *parent = nullptr);

    void setRunSet(const CompareRunSet &runs) override;
    QWidget *exportTarget() override;
    QList<QStringList> dataRows() const override;

    void setOnlyDifferences(bool only);
    CompareDiffModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }

private:
    void updateNote();

    CompareDiffModel *m_model;
    QCheckBox *m_onlyDifferences;
    QLabel *m_note;
    QTableView *m_table;
};

} // namespace millrace::ui
