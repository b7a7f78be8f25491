/** A short story in the TinyStories style about something the model has not seen much of. */
export const DEFAULT_TEXT = `Once upon a time, there was a little robot named Bolt. Bolt loved to paint the sky with big blue stars.
Every night, Bolt climbed the tall hill and painted blue stars on the dark sky. The moon smiled at Bolt.
One day, a bird asked Bolt, "Why do you paint blue stars?" Bolt said, "Blue stars make the night happy."
The bird and Bolt painted blue stars together, and the sky was bright and happy. The end.`;
