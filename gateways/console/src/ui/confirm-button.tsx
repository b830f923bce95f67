import { useEffect, useRef, useState } from 'preact/hooks'

// A destructive action asks once more in place: the button becomes the question, a confirm button
// and Cancel (focused, so Enter on a stray keypress cancels). Escape cancels too.

interface ConfirmButtonProps {
  /** The button's text ("Revoke"). */
  label: string
  /** What is asked ("Revoke key ci-deploy? Requests with it stop at once."). */
  question: string
  /** The confirm button's text ("Yes, revoke"). */
  confirm: string
  onConfirm(): void | Promise<void>
  disabled?: boolean
  /** An accessible name when `label` alone is ambiguous in a table ("Revoke ci-deploy"). */
  ariaLabel?: string
}

export function ConfirmButton({
  label,
  question,
  confirm,
  onConfirm,
  disabled,
  ariaLabel,
}: ConfirmButtonProps) {
  const [asking, setAsking] = useState(false)
  const cancel = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    if (asking) cancel.current?.focus()
  }, [asking])
  if (!asking)
    return (
      <button
        type="button"
        class="danger"
        disabled={disabled}
        aria-label={ariaLabel}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    )
  return (
    <fieldset
      class="confirm"
      onKeyDown={(event) => {
        if (event.key === 'Escape') setAsking(false)
      }}
    >
      <legend>{question}</legend>{' '}
      <button
        type="button"
        class="danger"
        onClick={() => {
          setAsking(false)
          void onConfirm()
        }}
      >
        {confirm}
      </button>{' '}
      <button type="button" ref={cancel} onClick={() => setAsking(false)}>
        Cancel
      </button>
    </fieldset>
  )
}
