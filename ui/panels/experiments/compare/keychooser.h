#pragma once

#include <QStringList>
#include <QToolButton>

namespace millrace::ui {

/// A tool button with a checkable menu of keys (metrics, params), for choosing what a chart
/// shows. Keeps the user's choice while the offered keys come and go.
class KeyChooser : public QToolButton
{
    Q_OBJECT
public:
    /// `title` names the button ("Metrics"); the button shows how many keys are chosen.
    explicit KeyChooser(const QString &title, QWidget *parent = nullptr);

    /// The keys offered, in menu order; chosen keys no longer offered are kept for later but not
    /// reported by chosen().
    void setKeys(const QStringList &keys);
    QStringList keys() const { return m_keys; }
    /// The offered keys that are chosen, in menu order.
    QStringList chosen() const;
    /// Chooses exactly `keys`; emits chosenChanged() when that changes what chosen() returns.
    /// A default (`isDefault`) is not a choice: hasChoice() stays as it was.
    void setChosen(const QStringList &keys, bool isDefault = false);
    /// Whether the user or code has made a choice yet (so defaults should not be applied).
    bool hasChoice() const { return m_hasChoice; }

Q_SIGNALS:
    void chosenChanged(const QStringList &chosen);

private:
    void fillMenu();
    void updateText();

    QString m_title;
    QStringList m_keys;
    QStringList m_chosen;
    bool m_hasChoice = false;
};

} // namespace millrace::ui
