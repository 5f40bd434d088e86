// Placeholder until this area's screens land.
export default function JoinArea() {
  return null;
}
