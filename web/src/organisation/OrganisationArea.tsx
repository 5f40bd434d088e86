import Organisation from "../pages/Organisation";

export default function OrganisationArea() {
  return <Organisation />;
}
