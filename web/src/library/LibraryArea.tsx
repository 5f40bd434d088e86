// Placeholder until this area's screens land.
export default function LibraryArea() {
  return null;
}
