/** A screen whose data could not be loaded: why, and the way back. */
export function ErrorPage({ message, back, onBack }: { message: string; back: string; onBack: () => void }) {
  return (
    <div class="page narrow">
      <p class="error-text" role="alert">{message}</p>
      <button class="btn" onClick={onBack}>{back}</button>
    </div>
  );
}
